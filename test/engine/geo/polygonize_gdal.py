# Reference for polygonize.test.ts: generates masks, polygonizes them with GDAL (gdal_polygonize's
# algorithm, GDALPolygonize) and prints, per mask, the mask bytes and every polygon's
# (value, area, holes). Usage: polygonize_gdal.py <connectivity 4|8>
import base64, json, sys
import numpy as np
from osgeo import gdal, ogr, osr

gdal.UseExceptions()
conn = int(sys.argv[1])
out = []
rng = np.random.default_rng(7)
cases = []
for k in range(6):
    w, h = int(rng.integers(5, 60)), int(rng.integers(5, 60))
    if k % 3 == 0:
        m = rng.integers(0, 3, size=(h, w))          # noise: many saddles and tiny holes
    else:
        f = rng.normal(size=(h // 3 + 2, w // 3 + 2))
        f = np.kron(f, np.ones((3, 3)))[:h, :w] + 0.6 * rng.normal(size=(h, w))
        m = np.digitize(f, [-0.5, 0.4, 1.1])         # blobs with holes
    m = m.astype(np.uint8)
    if k % 2 == 1:
        m[rng.random(size=(h, w)) < 0.05] = 255      # nodata pixels
    cases.append(m)
for m in cases:
    h, w = m.shape
    drv = gdal.GetDriverByName('MEM')
    ds = drv.Create('', w, h, 1, gdal.GDT_Byte)
    ds.SetGeoTransform([0, 1, 0, 0, 0, -1])
    b = ds.GetRasterBand(1)
    b.WriteArray(m)
    b.SetNoDataValue(255)
    vds = ogr.GetDriverByName('Memory').CreateDataSource('mem')
    lyr = vds.CreateLayer('p', geom_type=ogr.wkbPolygon)
    lyr.CreateField(ogr.FieldDefn('v', ogr.OFTInteger))
    opts = ['8CONNECTED=8'] if conn == 8 else []
    gdal.Polygonize(b, b.GetMaskBand(), lyr, 0, opts)
    polys = []
    for f in lyr:
        g = f.GetGeometryRef()
        polys.append([f.GetField('v'), round(g.GetArea(), 6), g.GetGeometryCount() - 1])
    out.append({'width': w, 'height': h, 'mask': base64.b64encode(m.tobytes()).decode(), 'polygons': sorted(polys)})
print(json.dumps(out))
