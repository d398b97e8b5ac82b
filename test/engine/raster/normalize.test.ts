// Normalisation: fixed ranges by hand; percentile stretches equal numpy.percentile over the same sample (the
// whole small raster, or the overview a large one is sampled from) and never read beyond the sample bound.
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { FileByteSource } from '../../../src/engine/raster/byteSource';
import { fixedRanges, normalizeBlock, percentileOfSorted, percentileStretch } from '../../../src/engine/raster/normalize';
import { openRaster } from '../../../src/engine/raster/open';
import { openTiff } from '../../../src/engine/raster/tiff/tiffSource';
import { sampleScene } from '../../helpers/shared';
import { cleanup, hasGdalPython, makeRaster } from './fixtures';

afterAll(cleanup);

function numpyPercentiles(path: string, overview: number, p: number[]): number[][] {
  const code = `
import json, sys, numpy as np
from osgeo import gdal
ds = gdal.Open(sys.argv[1]); k = int(sys.argv[2]); ps = json.loads(sys.argv[3])
out = []
for b in range(ds.RasterCount):
    band = ds.GetRasterBand(b + 1)
    if k > 0: band = band.GetOverview(k - 1)
    a = band.ReadAsArray().astype(np.float64).ravel()
    nd = ds.GetRasterBand(b + 1).GetNoDataValue()
    if nd is not None: a = a[a != nd]
    out.append([float(np.percentile(a, q)) for q in ps])
print(json.dumps(out))`;
  const r = spawnSync('/usr/bin/python3', ['-c', code, path, String(overview), JSON.stringify(p)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

describe('normalisation', () => {
  it('percentileOfSorted interpolates like numpy (linear)', () => {
    expect(percentileOfSorted([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentileOfSorted([10, 20, 30], 25)).toBe(15);
    expect(percentileOfSorted([5], 98)).toBe(5);
  });

  it('fixed ranges map to [0, 1] and clamp; invalid pixels are 0', () => {
    const block = { width: 4, height: 1, dataType: 'uint16' as const, bands: [new Uint16Array([0, 100, 150, 300])], valid: new Uint8Array([1, 1, 1, 0]) };
    expect(Array.from(normalizeBlock(block, fixedRanges(100, 200, 1))[0])).toEqual([0, 0, 0.5, 0]);
    expect(Array.from(normalizeBlock(block, fixedRanges(100, 200, 1), false)[0])).toEqual([-1, 0, 0.5, 0]);
    expect(() => fixedRanges(5, 5, 1)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it.skipIf(!hasGdalPython)('2–98 % stretch of the sample scene equals numpy on the full raster (small enough to sample whole)', async () => {
    const src = await openRaster(sampleScene);
    const s = await percentileStretch(src, { lower: 2, upper: 98 });
    expect(s.sampledFrom).toMatch(/full resolution/);
    const ref = numpyPercentiles(sampleScene, 0, [2, 98]);
    s.ranges.forEach((r, b) => {
      expect(r.low).toBeCloseTo(ref[b][0], 9);
      expect(r.high).toBeCloseTo(ref[b][1], 9);
    });
    await src.close();
  });

  it.skipIf(!hasGdalPython)('a large raster is sampled from its finest overview under the bound, never read whole', async () => {
    const path = makeRaster({ width: 1024, height: 1024, bands: 2, dtype: 'uint16', overviews: [2, 4, 8], ovResampling: 'AVERAGE',
      co: ['TILED=YES', 'BLOCKXSIZE=256', 'BLOCKYSIZE=256', 'COMPRESS=DEFLATE', 'COPY_SRC_OVERVIEWS=YES'] });
    const source = await FileByteSource.open(path);
    const src = await openTiff(source);
    const s = await percentileStretch(src, { lower: 1, upper: 99, maxSamplePixels: 70_000 });
    expect(s.sampledFrom).toBe('overview 2 (256×256)');
    expect(s.sampledPixels).toBe(256 * 256);
    const ref = numpyPercentiles(path, 2, [1, 99]);
    s.ranges.forEach((r, b) => {
      expect(r.low).toBeCloseTo(ref[b][0], 6);
      expect(r.high).toBeCloseTo(ref[b][1], 6);
    });
    expect(source.bytesRead).toBeLessThan(source.size / 4);
    await src.close();
  });

  it.skipIf(!hasGdalPython)('without overviews, a bounded spread of windows is read', async () => {
    const path = makeRaster({ width: 2048, height: 2048, bands: 1, dtype: 'uint16', co: ['TILED=YES', 'BLOCKXSIZE=256', 'BLOCKYSIZE=256', 'COMPRESS=DEFLATE'] });
    const source = await FileByteSource.open(path);
    const src = await openTiff(source);
    const s = await percentileStretch(src, { maxSamplePixels: 300_000 });
    expect(s.sampledFrom).toMatch(/^4 windows of 256×256/);
    expect(s.sampledPixels).toBe(4 * 256 * 256);
    expect(s.ranges[0].low).toBeLessThan(s.ranges[0].high);
    // 4 windows, each across at most 4 of the 64 tiles.
    expect(source.bytesRead).toBeLessThan(source.size * (16 / 64) + 70_000);
    await src.close();
  });
});
