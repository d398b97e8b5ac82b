#!/usr/bin/python3
"""Test fixtures and reference reads through GDAL (an independent implementation of everything the reader does).

  make <spec.json>   writes the raster described by the spec (pixel values from a named pattern, see pattern())
  read <spec.json>   prints a GDAL RasterIO read as JSON: {"bands": [[...], ...], "mask": [...]}
"""
import json
import sys

import numpy as np
from osgeo import gdal, osr

gdal.UseExceptions()

NP = {'uint8': np.uint8, 'int8': np.int8, 'uint16': np.uint16, 'int16': np.int16, 'uint32': np.uint32,
      'int32': np.int32, 'float32': np.float32, 'float64': np.float64}
GDT = {'uint8': gdal.GDT_Byte, 'uint16': gdal.GDT_UInt16, 'int16': gdal.GDT_Int16, 'uint32': gdal.GDT_UInt32,
       'int32': gdal.GDT_Int32, 'float32': gdal.GDT_Float32, 'float64': gdal.GDT_Float64, 'int8': gdal.GDT_Byte}


def pattern(name, dtype, b, h, w):
    """Must match test/engine/raster/fixtures.ts patternValue()."""
    y, x = np.indices((h, w), dtype=np.int64)
    if name == 'ramp':
        return (x * 2 + y * 3 + b).astype(np.float64)
    if dtype == 'uint8':
        return (x * 7 + y * 13 + b * 31) % 251 + 1
    if dtype == 'int8':
        return (x * 7 + y * 13 + b * 31) % 250 - 125
    if dtype == 'uint16':
        return (x * 97 + y * 389 + b * 1009) % 60000 + 1
    if dtype == 'int16':
        return (x * 97 + y * 389 + b * 1009) % 60000 - 30000
    if dtype == 'uint32':
        return (x * 100003 + y * 7919 + b * 1000003) % 4000000000 + 1
    if dtype == 'int32':
        return (x * 100003 + y * 7919 + b * 1000003) % 4000000000 - 2000000000
    return x * 0.5 - y * 0.25 + b * 100 + ((x * y) % 7) * 0.125


def make(spec):
    w, h, nb, dt = spec['width'], spec['height'], spec['bands'], spec['dtype']
    mem = gdal.GetDriverByName('MEM').Create('', w, h, nb, GDT[dt])
    if dt == 'int8':
        mem = gdal.GetDriverByName('MEM').Create('', w, h, nb, gdal.GDT_Byte, ['PIXELTYPE=SIGNEDBYTE'])
    if 'gt' in spec:
        mem.SetGeoTransform(spec['gt'])
    if 'srs' in spec:
        srs = osr.SpatialReference()
        srs.SetFromUserInput(spec['srs'])
        mem.SetProjection(srs.ExportToWkt())
    if spec.get('pixelIsPoint'):
        mem.SetMetadataItem('AREA_OR_POINT', 'Point')
    for b in range(nb):
        band = mem.GetRasterBand(b + 1)
        data = pattern(spec.get('pattern', 'mix'), dt, b, h, w)
        r = spec.get('nodataRect')
        if r is not None and 'nodata' in spec:
            data = data.astype(np.float64)
            data[r[1]:r[3], r[0]:r[2]] = float(spec['nodata'])
        if spec.get('alpha') and b == nb - 1:
            data = np.full((h, w), 255)
            a = spec['alpha']
            data[a[1]:a[3], a[0]:a[2]] = 0
            band.SetColorInterpretation(gdal.GCI_AlphaBand)
        band.WriteArray(data.astype(NP[dt]))
        if 'nodata' in spec:
            band.SetNoDataValue(float(spec['nodata']))
        if 'descriptions' in spec:
            band.SetDescription(spec['descriptions'][b])
    if spec.get('colorTable'):
        ct = gdal.ColorTable()
        for i in range(256):
            ct.SetColorEntry(i, ((i * 3) % 256, (i * 5) % 256, (i * 7) % 256, 255))
        mem.GetRasterBand(1).SetRasterColorTable(ct)
    if spec.get('mask'):
        mem.CreateMaskBand(gdal.GMF_PER_DATASET)
        m = np.full((h, w), 255, dtype=np.uint8)
        r = spec['mask']
        m[r[1]:r[3], r[0]:r[2]] = 0
        mem.GetRasterBand(1).GetMaskBand().WriteArray(m)
    if spec.get('overviews'):
        mem.BuildOverviews(spec.get('ovResampling', 'NEAREST'), spec['overviews'])
    driver = spec.get('driver', 'GTiff')
    opts = list(spec.get('co', []))
    if dt == 'int8' and driver == 'GTiff':
        opts.append('PIXELTYPE=SIGNEDBYTE')
    if spec.get('mask') and driver == 'GTiff':
        gdal.SetConfigOption('GDAL_TIFF_INTERNAL_MASK', 'YES')
    out = gdal.GetDriverByName(driver).CreateCopy(spec['path'], mem, options=opts)
    out = None
    if spec.get('overviewsAfter'):
        ds = gdal.Open(spec['path'], gdal.GA_Update)
        ds.BuildOverviews(spec.get('ovResampling', 'NEAREST'), spec['overviewsAfter'])
        ds = None


def read(spec):
    ds = gdal.Open(spec['path'])
    x, y, w, h = spec['window']
    bw, bh = spec.get('outWidth', w), spec.get('outHeight', h)
    alg = {'nearest': gdal.GRIORA_NearestNeighbour, 'bilinear': gdal.GRIORA_Bilinear, 'average': gdal.GRIORA_Average}[spec.get('resampling', 'nearest')]
    bands = spec.get('bands') or list(range(ds.RasterCount))
    out = {'bands': []}
    for b in bands:
        band = ds.GetRasterBand(b + 1)
        if 'overview' in spec and spec['overview'] > 0:
            band = band.GetOverview(spec['overview'] - 1)
        arr = band.ReadAsArray(x, y, w, h, buf_xsize=bw, buf_ysize=bh, resample_alg=alg)
        out['bands'].append([float(v) for v in arr.astype(np.float64).ravel()])
    mb = ds.GetRasterBand(1).GetMaskBand()
    if 'overview' in spec and spec['overview'] > 0:
        mb = ds.GetRasterBand(1).GetOverview(spec['overview'] - 1).GetMaskBand()
    out['mask'] = [int(v) for v in mb.ReadAsArray(x, y, w, h, buf_xsize=bw, buf_ysize=bh).ravel()]
    out['maskFlags'] = ds.GetRasterBand(1).GetMaskFlags()
    print(json.dumps(out))


def to_geographic(spec):
    """CRS points of the raster → lon/lat in the raster CRS's own geographic base (no datum shift involved)."""
    ds = gdal.Open(spec['path'])
    srs = osr.SpatialReference(wkt=ds.GetProjection())
    srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    geog = srs.CloneGeogCS()
    geog.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    ct = osr.CoordinateTransformation(srs, geog)
    print(json.dumps({'points': [list(ct.TransformPoint(x, y)[:2]) for x, y in spec['points']], 'wkt': ds.GetProjection()}))


if __name__ == '__main__':
    mode, path = sys.argv[1], sys.argv[2]
    with open(path) as f:
        spec = json.load(f)
    {'make': make, 'read': read, 'geographic': to_geographic}[mode](spec)
