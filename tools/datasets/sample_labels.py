"""Writes test/fixtures/heads/sample_labels.geojson: 21 label polygons (7 water, 7 vegetation, 7 built-up) on the
bundled sample scene (resources/sample/L7_ETMs.tif, Landsat 7, EPSG:31985), for the tests and the `heads`
benchmark ("~20 labelled polygons on the sample scene").

Each polygon is an 8x8-pixel square where at least 90 % of the pixels satisfy a spectral rule (water: NIR < 25;
vegetation: NDVI > 0.25; built-up: NDVI < 0.05 and NIR > 40), picked spread out (farthest-point order) so the holdout
split has separate polygons to hold out. Deterministic. Needs gdal_translate (GDAL) and numpy + PIL:
    /usr/bin/python3 tools/datasets/sample_labels.py
"""
import json
import os
import subprocess
import tempfile

import numpy as np
from PIL import Image

ROOT = os.path.join(os.path.dirname(__file__), '..', '..')
SCENE = os.path.join(ROOT, 'resources', 'sample', 'L7_ETMs.tif')
OUT = os.path.join(ROOT, 'test', 'fixtures', 'heads', 'sample_labels.geojson')
SIZE, STRIDE, PER_CLASS = 8, 10, 7
CLASSES = ['water', 'vegetation', 'built-up']


def bands():
    with tempfile.TemporaryDirectory() as d:
        out = []
        for b in range(1, 7):
            p = os.path.join(d, f'b{b}.png')
            subprocess.run(['gdal_translate', '-q', '-b', str(b), '-of', 'PNG', SCENE, p], check=True)
            out.append(np.array(Image.open(p)).astype(float))
    info = json.loads(subprocess.run(['gdalinfo', '-json', SCENE], check=True, capture_output=True, text=True).stdout)
    return np.stack(out), info['geoTransform']


def main():
    a, gt = bands()
    red, nir = a[2], a[3]
    ndvi = (nir - red) / (nir + red + 1e-6)
    rules = [nir < 25, ndvi > 0.25, (ndvi < 0.05) & (nir > 40)]
    h, w = red.shape
    features = []
    for cls, rule in enumerate(rules):
        cands = [(y, x) for y in range(0, h - SIZE, STRIDE) for x in range(0, w - SIZE, STRIDE) if rule[y:y + SIZE, x:x + SIZE].mean() >= 0.9]
        picked = [cands[0]]
        while len(picked) < PER_CLASS:
            d = [min(max(abs(y - py), abs(x - px)) for py, px in picked) for y, x in cands]
            picked.append(cands[int(np.argmax(d))])
        for y, x in picked:
            ring = [(x, y), (x + SIZE, y), (x + SIZE, y + SIZE), (x, y + SIZE), (x, y)]
            coords = [[gt[0] + c * gt[1] + r * gt[2], gt[3] + c * gt[4] + r * gt[5]] for c, r in ring]
            features.append({'type': 'Feature', 'properties': {'class_id': cls, 'name': CLASSES[cls]}, 'geometry': {'type': 'Polygon', 'coordinates': [coords]}})
    doc = {'type': 'FeatureCollection', 'crs': {'type': 'name', 'properties': {'name': 'urn:ogc:def:crs:EPSG::31985'}}, 'features': features}
    with open(OUT, 'w') as f:
        json.dump(doc, f, indent=0)
    print(f'{len(features)} polygons -> {OUT}')


if __name__ == '__main__':
    main()
