// Validity masks: nodata (integer and NaN), GDAL internal masks (with their overviews) and alpha bands,
// compared with GDAL's own mask band over the same windows.
import { afterAll, describe, expect, it } from 'vitest';
import { openRaster } from '../../../src/engine/raster/open';
import { cleanup, gdalRead, hasGdalPython, makeRaster, type FixtureSpec } from './fixtures';

afterAll(cleanup);

describe.skipIf(!hasGdalPython)('validity masks', () => {
  it('nodata: the nodata rectangle and the outside of the raster are invalid; fill value is nodata', async () => {
    const spec: FixtureSpec = { width: 80, height: 60, bands: 3, dtype: 'int16', nodata: -9999, nodataRect: [10, 5, 30, 25], co: ['TILED=YES', 'BLOCKXSIZE=32', 'BLOCKYSIZE=32', 'COMPRESS=LZW'] };
    const path = makeRaster(spec);
    const src = await openRaster(path);
    expect(src.info.nodata).toBe(-9999);
    expect(src.info.mask).toBe('nodata');
    const win = { x: -4, y: -2, width: 50, height: 40 };
    const b = await src.read({ window: win });
    const ref = gdalRead(path, { window: [0, 0, 46, 38] });
    for (let j = 0; j < 40; j++) for (let i = 0; i < 50; i++) {
      const x = win.x + i;
      const y = win.y + j;
      const k = j * 50 + i;
      if (x < 0 || y < 0) {
        expect(b.valid[k]).toBe(0);
        expect(b.bands[0][k]).toBe(-9999);
      } else {
        expect(b.valid[k], `${x},${y}`).toBe(ref.mask[y * 46 + x] ? 1 : 0);
      }
    }
    await src.close();
  });

  it('NaN nodata and NaN pixels in float rasters are invalid', async () => {
    const spec: FixtureSpec = { width: 20, height: 10, bands: 1, dtype: 'float32', nodata: NaN, nodataRect: [3, 2, 6, 4] };
    // JSON cannot carry NaN: the fixture writes nodata through GDAL from the string form.
    const path = makeRaster({ ...spec, nodata: 'nan' as unknown as number });
    const src = await openRaster(path);
    expect(Number.isNaN(src.info.nodata)).toBe(true);
    const b = await src.read({ window: { x: 0, y: 0, width: 20, height: 10 } });
    for (let y = 0; y < 10; y++) for (let x = 0; x < 20; x++) {
      const inRect = x >= 3 && x < 6 && y >= 2 && y < 4;
      expect(b.valid[y * 20 + x]).toBe(inRect ? 0 : 1);
    }
    await src.close();
  });

  it('internal GDAL mask, at full resolution and at overview levels, equals GDAL mask band', async () => {
    const spec: FixtureSpec = { width: 128, height: 96, bands: 2, dtype: 'uint8', mask: [20, 10, 70, 50], overviewsAfter: [2, 4],
      co: ['TILED=YES', 'BLOCKXSIZE=32', 'BLOCKYSIZE=32', 'COMPRESS=DEFLATE'] };
    const path = makeRaster(spec);
    const src = await openRaster(path);
    expect(src.info.mask).toBe('internal');
    const full = await src.read({ window: { x: 0, y: 0, width: 128, height: 96 } });
    const ref = gdalRead(path, { window: [0, 0, 128, 96] });
    expect(Array.from(full.valid)).toEqual(ref.mask.map((m) => (m ? 1 : 0)));
    const ov = await src.read({ window: { x: 0, y: 0, width: 128, height: 96 }, overview: 1 });
    const refOv = gdalRead(path, { window: [0, 0, 64, 48], overview: 1 });
    expect(Array.from(ov.valid)).toEqual(refOv.mask.map((m) => (m ? 1 : 0)));
    await src.close();
  });

  it('alpha band masks the pixels where alpha is 0', async () => {
    const spec: FixtureSpec = { width: 50, height: 40, bands: 4, dtype: 'uint8', alpha: [5, 5, 25, 15], co: ['PHOTOMETRIC=RGB', 'ALPHA=YES'] };
    const path = makeRaster(spec);
    const src = await openRaster(path);
    expect(src.info.mask).toBe('alpha');
    // Reading only band 0 still applies the alpha band.
    const b = await src.read({ window: { x: 0, y: 0, width: 50, height: 40 }, bands: [0] });
    const ref = gdalRead(path, { window: [0, 0, 50, 40], bands: [0] });
    expect(Array.from(b.valid)).toEqual(ref.mask.map((m) => (m ? 1 : 0)));
    await src.close();
  });
});
