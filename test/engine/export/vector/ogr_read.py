# Reads a vector file with GDAL/OGR and prints what the tests compare: layer, SRS, features with
# attributes, area, hole count and exterior-ring orientation; and whether a spatial index exists.
import json, sys
from osgeo import gdal, ogr, osr
gdal.UseExceptions()
path = sys.argv[1]
ds = ogr.Open(path)
lyr = ds.GetLayer(0)
srs = lyr.GetSpatialRef()
epsg = None
if srs is not None:
    srs.AutoIdentifyEPSG()
    epsg = srs.GetAuthorityCode(None)
feats = []
for f in lyr:
    g = f.GetGeometryRef()
    ring = g.GetGeometryRef(0)
    pts = ring.GetPoints()
    a = 0.0
    for i in range(len(pts) - 1):
        a += pts[i][0] * pts[i + 1][1] - pts[i + 1][0] * pts[i][1]
    feats.append({'attrs': {k: f.GetField(k) for k in f.keys()}, 'area': g.GetArea(), 'holes': g.GetGeometryCount() - 1,
                  'type': g.GetGeometryName(), 'valid': g.IsValid(), 'exteriorCcw': a > 0, 'first': list(pts[0][:2])})
out = {'layer': lyr.GetName(), 'epsg': epsg, 'count': lyr.GetFeatureCount(), 'features': feats,
       'geomType': ogr.GeometryTypeToName(lyr.GetGeomType()),
       'fields': [lyr.GetLayerDefn().GetFieldDefn(i).GetName() for i in range(lyr.GetLayerDefn().GetFieldCount())]}
if path.endswith('.gpkg'):
    r = ds.ExecuteSQL("SELECT HasSpatialIndex('%s', 'geom')" % lyr.GetName())
    out['spatialIndex'] = r.GetNextFeature().GetField(0)
    ds.ReleaseResultSet(r)
print(json.dumps(out))
