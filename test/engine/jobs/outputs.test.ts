// A whole segmentation written to disk and read back by GDAL: the mask and probabilities lie exactly on
// the source grid, carry nodata, colours, class names and provenance, hold the hand-computed classes, and
// the vectors match GDAL's own polygonization of our mask.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runSegmentation } from '../../../src/engine/jobs/segment';
import { segmentationWriter } from '../../../src/engine/jobs/segmentOutputs';
import { MemoryFeatureCache } from '../../../src/engine/store/featureCacheMemory';
import { openStore } from '../../../src/engine/store/store';
import { halfToNumber, numberToHalf } from '../../../src/engine/nn/fp16';
import { identityExtractor, memoryRaster, passThroughPreparer, pointwiseHead, sceneField } from './fakes';

const python = '/usr/bin/python3';
const hasGdal = existsSync(python) && spawnSync(python, ['-c', 'from osgeo import gdal']).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'sdf-out-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!hasGdal)('segmentation outputs read back by GDAL', () => {
  it('mask + probabilities on the source grid, exact classes, vectors equal to gdal_polygonize of the mask', async () => {
    const W = 600, H = 530;
    const f = sceneField(W, H, 3);
    for (let y = 0; y < 40; y++) for (let x = 0; x < 50; x++) f[y * W + x] = -1; // nodata corner
    const src = memoryRaster(W, H, [f], { nodata: -1, pixelSize: 10 });
    const head = pointwiseHead();
    const store = openStore(':memory:');
    const box = { x: 0, y: 0, width: W, height: H };
    const maskPath = join(dir, 'mask.tif'), probPath = join(dir, 'probs.tif'), vecPath = join(dir, 'classes.gpkg');
    const o = await runSegmentation({
      source: src, sourceFingerprint: 'mem', box, preparer: passThroughPreparer([0]), extractor: identityExtractor(128), head, overlap: 16,
      journal: store.journal, cache: new MemoryFeatureCache(),
      write: segmentationWriter({ maskPath, probabilitiesPath: probPath, vectorPath: vecPath, info: src.info, classes: head.classes, provenance: { source: 'memory.tif', model: 'identity-backbone', head: head.id }, vector: { simplifyPixels: 0 } }),
    });
    expect(o.status).toBe('succeeded');
    const info = JSON.parse(execFileSync('gdalinfo', ['-json', maskPath]).toString());
    expect(info.size).toEqual([W, H]);
    expect(info.geoTransform).toEqual([...src.info.transform]);
    expect(info.coordinateSystem.wkt).toMatch(/UTM zone 33N/);
    expect(info.bands[0].noDataValue).toBe(255);
    expect(info.bands[0].colorTable.entries[1]).toEqual([0, 128, 0, 255]);
    expect(info.bands[0].categories.slice(0, 3)).toEqual(['water', 'forêt', 'urbain']);
    expect(JSON.stringify(info.metadata)).toMatch(/pointwise-head/);
    const pinfo = JSON.parse(execFileSync('gdalinfo', ['-json', probPath]).toString());
    expect(pinfo.bands.length).toBe(3);
    expect(pinfo.geoTransform).toEqual([...src.info.transform]);
    expect(pinfo.bands.map((b: { description: string }) => b.description)).toEqual(['water', 'forêt', 'urbain']);
    // pixel values: mask and probabilities against the closed-form answer
    const read = (p: string) => Buffer.from(execFileSync(python, ['-c', `import sys; from osgeo import gdal; sys.stdout.buffer.write(gdal.Open(${JSON.stringify(p)}).ReadRaster())`], { maxBuffer: 1 << 26 }));
    const m = read(maskPath), pr = read(probPath);
    for (let i = 0; i < W * H; i++) {
      if (f[i] === -1) {
        expect(m[i]).toBe(255);
        expect(pr[i]).toBe(255);
        continue;
      }
      const l = head.logitsAt(halfToNumber(numberToHalf(f[i]))); // heads see fp16 features
      const best = l.indexOf(Math.max(...l));
      if (m[i] !== best) throw new Error(`pixel ${i}: ${m[i]} ≠ ${best}`);
      const e = l.map((v) => Math.exp(v - l[best]));
      const p0 = (100 * e[0]) / e.reduce((a, b) => a + b);
      if (Math.abs(pr[i] - p0) > 1) throw new Error(`probability of pixel ${i}: ${pr[i]} vs ${p0}`);
    }
    // vectors: GDAL's polygonization of our mask is the reference
    const ref = join(dir, 'ref.gpkg');
    execFileSync('gdal_polygonize.py', ['-q', maskPath, '-f', 'GPKG', ref, 'ref', 'class_id']);
    const count = (p: string, sql: string) => execFileSync(python, ['-c', `from osgeo import ogr; ds=ogr.Open(${JSON.stringify(p)}); r=ds.ExecuteSQL(${JSON.stringify(sql)}); print([list(f.items().values()) for f in r])`]).toString().trim();
    expect(count(vecPath, 'SELECT class_id, COUNT(*), SUM(area) FROM classes GROUP BY class_id ORDER BY class_id')).toBe(count(ref, 'SELECT class_id, COUNT(*), SUM(ST_Area(geom)) FROM ref GROUP BY class_id ORDER BY class_id'));
  });
});
