// Overviews and resampling: reads at an overview level equal GDAL's reads of that overview; 'auto' picks the
// level GDAL's rule would; resampling matches hand-computed values and GDAL's RasterIO where both define it.
import { afterAll, describe, expect, it } from 'vitest';
import { openRaster } from '../../../src/engine/raster/open';
import { cleanup, gdalRead, hasGdalPython, makeRaster, patternValue, type FixtureSpec } from './fixtures';

afterAll(cleanup);

describe.skipIf(!hasGdalPython)('overviews', () => {
  const spec: FixtureSpec = { width: 300, height: 200, bands: 2, dtype: 'uint16', overviews: [2, 4, 8], ovResampling: 'AVERAGE',
    co: ['TILED=YES', 'BLOCKXSIZE=64', 'BLOCKYSIZE=64', 'COMPRESS=DEFLATE', 'COPY_SRC_OVERVIEWS=YES'] };
  let path = '';

  it('lists the internal overviews, finest first', async () => {
    path = makeRaster(spec);
    const src = await openRaster(path);
    expect(src.info.overviews).toEqual([{ width: 150, height: 100 }, { width: 75, height: 50 }, { width: 38, height: 25 }]);
    await src.close();
  });

  it('reads each overview level exactly as GDAL does (whole level and an inner window)', async () => {
    const src = await openRaster(path);
    for (let k = 1; k <= 3; k++) {
      const o = src.info.overviews[k - 1];
      const whole = await src.read({ window: { x: 0, y: 0, width: 300, height: 200 }, overview: k });
      expect([whole.width, whole.height]).toEqual([o.width, o.height]);
      const ref = gdalRead(path, { window: [0, 0, o.width, o.height], overview: k });
      for (let b = 0; b < 2; b++) expect(Array.from(whole.bands[b])).toEqual(ref.bands[b]);
      // A full-resolution window aligned to the level's grid maps to whole overview pixels.
      const f = 2 ** k;
      const win = { x: 8 * f, y: 4 * f, width: 10 * f, height: 6 * f };
      const part = await src.read({ window: win, overview: k, bands: [1] });
      const refPart = gdalRead(path, { window: [8, 4, 10, 6], overview: k, bands: [1] });
      expect(Array.from(part.bands[0])).toEqual(refPart.bands[0]);
    }
    await src.close();
  });

  it("'auto' picks the coarsest level whose pixels are no larger than the output pixels", async () => {
    const src = await openRaster(path);
    const full = { x: 0, y: 0, width: 300, height: 200 };
    // 300 → 75 is exactly overview 2; 300 → 80 must not use overview 2 (it would upsample), so overview 1.
    const at75 = await src.read({ window: full, outWidth: 75, outHeight: 50, bands: [0] });
    const ov2 = gdalRead(path, { window: [0, 0, 75, 50], overview: 2, bands: [0] });
    expect(Array.from(at75.bands[0])).toEqual(ov2.bands[0]);
    const at80 = await src.read({ window: full, outWidth: 80, outHeight: 50, bands: [0] });
    const viaOv1 = await src.read({ window: full, overview: 1, outWidth: 80, outHeight: 50, bands: [0] });
    expect(Array.from(at80.bands[0])).toEqual(Array.from(viaOv1.bands[0]));
    await src.close();
  });
});

describe.skipIf(!hasGdalPython)('resampling', () => {
  const ramp: FixtureSpec = { width: 64, height: 48, bands: 1, dtype: 'float32', pattern: 'ramp' };
  const mix: FixtureSpec = { width: 120, height: 90, bands: 2, dtype: 'uint16' };

  it('nearest and average match GDAL RasterIO for integer reduction factors', async () => {
    const path = makeRaster(mix);
    const src = await openRaster(path);
    for (const resampling of ['nearest', 'average'] as const) {
      for (const [w, h, ow, oh] of [[120, 90, 40, 30], [60, 44, 15, 11], [32, 32, 8, 4]]) {
        const win = { x: 120 - w, y: 90 - h, width: w, height: h };
        const ours = await src.read({ window: win, outWidth: ow, outHeight: oh, resampling, overview: 0 });
        const ref = gdalRead(path, { window: [win.x, win.y, w, h], outWidth: ow, outHeight: oh, resampling });
        for (let b = 0; b < 2; b++) {
          const got = Array.from(ours.bands[b]);
          // GDAL rounds an integer average half-up as we do; allow ±1 for its float accumulation order.
          got.forEach((v, i) => expect(Math.abs(v - ref.bands[b][i]), `${resampling} ${w}x${h}→${ow}x${oh} band ${b} px ${i}`).toBeLessThanOrEqual(resampling === 'nearest' ? 0 : 1));
        }
      }
    }
    await src.close();
  });

  it('average is the exact area-weighted mean, also for fractional factors (hand-computed)', async () => {
    const src = await openRaster(makeRaster(ramp));
    // 3 source pixels → 2 output pixels: output 0 covers [0, 1.5): weights 1, 0.5.
    const b = await src.read({ window: { x: 10, y: 5, width: 3, height: 1 }, outWidth: 2, outHeight: 1, resampling: 'average' });
    const v = (x: number): number => patternValue(ramp, 0, x, 5);
    expect(b.bands[0][0]).toBeCloseTo((v(10) * 1 + v(11) * 0.5) / 1.5, 5);
    expect(b.bands[0][1]).toBeCloseTo((v(11) * 0.5 + v(12) * 1) / 1.5, 5);
    await src.close();
  });

  it('bilinear reproduces a linear ramp exactly away from the edges (upsampling ×4 and downsampling ÷2)', async () => {
    const src = await openRaster(makeRaster(ramp));
    for (const [w, h, ow, oh] of [[10, 8, 40, 32], [40, 30, 20, 15]]) {
      const win = { x: 12, y: 9, width: w, height: h };
      const b = await src.read({ window: win, outWidth: ow, outHeight: oh, resampling: 'bilinear' });
      for (let j = 0; j < oh; j++) {
        for (let i = 0; i < ow; i++) {
          // Output pixel centre in source pixel-centre coordinates.
          const sx = win.x + ((i + 0.5) * w) / ow - 0.5;
          const sy = win.y + ((j + 0.5) * h) / oh - 0.5;
          expect(b.bands[0][j * ow + i]).toBeCloseTo(sx * 2 + sy * 3, 3);
        }
      }
    }
    await src.close();
  });

  it('nearest picks the source pixel under each output pixel centre', async () => {
    const src = await openRaster(makeRaster(ramp));
    const b = await src.read({ window: { x: 0, y: 0, width: 10, height: 10 }, outWidth: 4, outHeight: 3, resampling: 'nearest' });
    for (let j = 0; j < 3; j++) for (let i = 0; i < 4; i++) {
      const x = Math.floor((i + 0.5) * 2.5);
      const y = Math.floor(((j + 0.5) * 10) / 3);
      expect(b.bands[0][j * 4 + i]).toBe(x * 2 + y * 3);
    }
    await src.close();
  });
});

describe('target GSD', () => {
  it('outSizeForGsd gives the output size of a window at a coarser or finer GSD', async () => {
    const { outSizeForGsd } = await import('../../../src/engine/raster/gsd');
    const src = await openRaster((await import('../../helpers/shared')).sampleScene);
    // 28.5 m pixels: 100 px = 2850 m → 57 px at 50 m, 285 px at 10 m.
    expect(outSizeForGsd(src.info, { x: 0, y: 0, width: 100, height: 40 }, 50)).toEqual({ outWidth: 57, outHeight: 23 });
    expect(outSizeForGsd(src.info, { x: 0, y: 0, width: 100, height: 40 }, [10, 20])).toEqual({ outWidth: 285, outHeight: 57 });
    expect(() => outSizeForGsd(src.info, { x: 0, y: 0, width: 1, height: 1 }, 0)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    const b = await src.read({ window: { x: 0, y: 0, width: 100, height: 40 }, ...outSizeForGsd(src.info, { x: 0, y: 0, width: 100, height: 40 }, 57), resampling: 'average' });
    expect([b.width, b.height]).toEqual([50, 20]);
    // A band requested twice comes back as two arrays with equal values.
    const twice = await src.read({ window: { x: 0, y: 0, width: 4, height: 4 }, bands: [2, 2] });
    expect(twice.bands[0]).not.toBe(twice.bands[1]);
    expect(Array.from(twice.bands[0])).toEqual(Array.from(twice.bands[1]));
    await src.close();
  });
});
