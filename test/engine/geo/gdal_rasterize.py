#!/usr/bin/python3
"""Burns polygons (pixel coordinates of a north-up raster with gt = (0,1,0,0,0,1)) with GDAL's rasterizer.
stdin: {"width", "height", "polygons": [GeoJSON geometry, ...]}; stdout: {"masks": [[0/1 ...], ...]}."""
import json
import sys

import numpy as np
from osgeo import gdal, ogr

gdal.UseExceptions()
spec = json.load(sys.stdin)
out = []
for geom in spec['polygons']:
    ds = gdal.GetDriverByName('MEM').Create('', spec['width'], spec['height'], 1, gdal.GDT_Byte)
    # Rows grow downwards in pixel space; a north-up geotransform with y = -row keeps the test coordinates as
    # given (x = column, y = row) once y is negated.
    ds.SetGeoTransform((0, 1, 0, 0, 0, -1))
    mem = ogr.GetDriverByName('Memory').CreateDataSource('')
    layer = mem.CreateLayer('p')
    flipped = json.loads(json.dumps(geom))
    def flip(c):
        return [flip(x) for x in c] if isinstance(c[0], list) else [c[0], -c[1]]
    flipped['coordinates'] = flip(flipped['coordinates'])
    f = ogr.Feature(layer.GetLayerDefn())
    f.SetGeometry(ogr.CreateGeometryFromJson(json.dumps(flipped)))
    layer.CreateFeature(f)
    gdal.RasterizeLayer(ds, [1], layer, burn_values=[1])
    out.append([int(v) for v in ds.ReadAsArray().ravel()])
print(json.dumps({'masks': out}))
