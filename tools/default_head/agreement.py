"""How a class mask of the sample scene agrees with the spectral rules its label polygons were drawn from
(tools/datasets/sample_labels.py: water NIR < 25; vegetation NDVI > 0.25; built-up NDVI < 0.05 and NIR > 40).

    /usr/bin/python3 tools/default_head/agreement.py <scene.tif> <mask.tif> <polygons.geojson> [<more polygons> ...]

Prints JSON: for each rule, the share of the scene's pixels where only that rule holds that the mask gives that
class (`rules`), the share of the mask per class (`classShare`), and per polygon file the share of its pixels
(GDAL-rasterized on the scene's grid) that the mask gives the polygon's class_id, with the confusion matrix
(rows: polygon class, columns: mask class) and the share of polygons whose majority mask class is their own class
(`majorityCorrect`, with the ids of those that are not in `majorityWrong`) (`polygons`). Reads everything with GDAL,
independently of SatDiFuser's own readers.
"""
import json
import sys

import numpy as np
from osgeo import gdal, ogr

gdal.UseExceptions()
CLASSES = ['water', 'vegetation', 'built-up']


def rules(scene):
    a = scene.ReadAsArray().astype(np.float64)
    red, nir = a[2], a[3]
    ndvi = (nir - red) / (nir + red + 1e-6)
    return [nir < 25, ndvi > 0.25, (ndvi < 0.05) & (nir > 40)]


def rasterize(scene, path):
    drv = gdal.GetDriverByName('MEM')
    ds = drv.Create('', scene.RasterXSize, scene.RasterYSize, 1, gdal.GDT_Byte)
    ds.SetGeoTransform(scene.GetGeoTransform())
    ds.SetProjection(scene.GetProjection())
    ds.GetRasterBand(1).Fill(255)
    vec = ogr.Open(path)
    gdal.RasterizeLayer(ds, [1], vec.GetLayer(), options=['ATTRIBUTE=class_id'])
    return ds.ReadAsArray()


def majority_per_polygon(scene, path, m):
    """For each feature (in file order): its class_id and the most frequent mask class among its pixels."""
    vec = ogr.Open(path)
    layer = vec.GetLayer()
    out = []
    for feature in layer:
        mem = ogr.GetDriverByName('Memory').CreateDataSource('')
        one = mem.CreateLayer('one', layer.GetSpatialRef(), ogr.wkbPolygon)
        f = ogr.Feature(one.GetLayerDefn())
        f.SetGeometry(feature.GetGeometryRef().Clone())
        one.CreateFeature(f)
        ds = gdal.GetDriverByName('MEM').Create('', scene.RasterXSize, scene.RasterYSize, 1, gdal.GDT_Byte)
        ds.SetGeoTransform(scene.GetGeoTransform())
        ds.SetProjection(scene.GetProjection())
        gdal.RasterizeLayer(ds, [1], one, burn_values=[1])
        inside = ds.ReadAsArray() == 1
        counts = np.bincount(m[inside], minlength=256)
        out.append((feature.GetField('class_id'), int(np.argmax(counts))))
    return out


def main():
    scene_path, mask_path, *polygon_files = sys.argv[1:]
    scene = gdal.Open(scene_path)
    mask = gdal.Open(mask_path)
    if mask.GetGeoTransform() != scene.GetGeoTransform() or (mask.RasterXSize, mask.RasterYSize) != (scene.RasterXSize, scene.RasterYSize):
        sys.exit(f'{mask_path} is not on the grid of {scene_path}')
    m = mask.GetRasterBand(1).ReadAsArray()
    r = rules(scene)
    out = {'rules': {}, 'classShare': {}, 'polygons': {}}
    for c, rule in enumerate(r):
        only = rule & ~np.any([r[k] for k in range(len(r)) if k != c], axis=0)
        out['rules'][CLASSES[c]] = {'pixels': int(only.sum()), 'agree': round(float((m[only] == c).mean()), 4)}
    valid = m != 255
    for c, name in enumerate(CLASSES):
        out['classShare'][name] = round(float((m[valid] == c).mean()), 4)
    for path in polygon_files:
        lab = rasterize(scene, path)
        sel = lab != 255
        per = {CLASSES[c]: round(float((m[lab == c] == c).mean()), 4) for c in range(len(CLASSES)) if (lab == c).any()}
        # rows = polygon class, columns = mask class (255 = no data counts as no class)
        confusion = [[int(((lab == t) & (m == p)).sum()) for p in range(len(CLASSES))] for t in range(len(CLASSES))]
        majority = majority_per_polygon(scene, path, m)
        wrong = [i for i, (truth, got) in enumerate(majority) if truth != got]
        out['polygons'][path.split('/')[-1]] = {
            'pixels': int(sel.sum()), 'agree': round(float((m[sel] == lab[sel]).mean()), 4), 'perClass': per, 'confusion': confusion,
            'majorityCorrect': round(1 - len(wrong) / len(majority), 4), 'majorityWrong': wrong,
        }
    print(json.dumps(out))


if __name__ == '__main__':
    main()
