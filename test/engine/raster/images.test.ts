// PNG and JPEG as pixel rasters: values (palette expanded, 16-bit kept, alpha as mask), world-file georeferencing,
// all compared with what GDAL reads from the same files.
import { afterAll, describe, expect, it } from 'vitest';
import { openRaster } from '../../../src/engine/raster/open';
import { cleanup, gdalinfoJson, gdalRead, hasGdalCli, hasGdalPython, makeRaster, type FixtureSpec } from './fixtures';

afterAll(cleanup);

describe.skipIf(!hasGdalPython || !hasGdalCli)('PNG and JPEG', () => {
  it('16-bit grey PNG keeps 16-bit values', async () => {
    const spec: FixtureSpec = { width: 33, height: 21, bands: 1, dtype: 'uint16', driver: 'PNG' };
    const path = makeRaster(spec, 'grey16.png');
    const src = await openRaster(path);
    expect(src.info.format).toBe('PNG');
    expect(src.info.dataType).toBe('uint16');
    expect(src.info.bands).toBe(1);
    expect(src.info.georeferenced).toBe(false);
    const b = await src.read({ window: { x: 0, y: 0, width: 33, height: 21 } });
    expect(Array.from(b.bands[0])).toEqual(gdalRead(path, { window: [0, 0, 33, 21] }).bands[0]);
    await src.close();
  });

  it('palette PNG is expanded to RGB through its colour table', async () => {
    const spec: FixtureSpec = { width: 30, height: 20, bands: 1, dtype: 'uint8', colorTable: true, driver: 'PNG' };
    const path = makeRaster(spec, 'palette.png');
    const src = await openRaster(path);
    expect(src.info.bands).toBe(3);
    const b = await src.read({ window: { x: 0, y: 0, width: 30, height: 20 } });
    const idx = gdalRead(path, { window: [0, 0, 30, 20] }).bands[0];
    // The fixture's colour table: entry i = (3i, 5i, 7i) mod 256.
    idx.forEach((i, k) => {
      expect([b.bands[0][k], b.bands[1][k], b.bands[2][k]]).toEqual([(i * 3) % 256, (i * 5) % 256, (i * 7) % 256]);
    });
    await src.close();
  });

  it('RGBA PNG: alpha masks pixels; world file georeferences it like GDAL', async () => {
    const spec: FixtureSpec = { width: 40, height: 30, bands: 4, dtype: 'uint8', alpha: [0, 0, 10, 5], driver: 'PNG', co: ['WORLDFILE=YES'], gt: [1000, 2, 0, 5000, 0, -2] };
    const path = makeRaster(spec, 'rgba.png');
    const src = await openRaster(path);
    expect(src.info.mask).toBe('alpha');
    expect(src.info.georeferenced).toBe(true);
    expect(src.info.transform).toEqual(gdalinfoJson(path).geoTransform);
    const b = await src.read({ window: { x: 0, y: 0, width: 40, height: 30 } });
    const ref = gdalRead(path, { window: [0, 0, 40, 30] });
    for (let k = 0; k < 4; k++) expect(Array.from(b.bands[k])).toEqual(ref.bands[k]);
    expect(Array.from(b.valid)).toEqual(ref.mask.map((m) => (m ? 1 : 0)));
    await src.close();
  });

  it('JPEG (grey and RGB) decodes within ±2 of libjpeg', async () => {
    for (const bands of [1, 3]) {
      const spec: FixtureSpec = { width: 48, height: 40, bands, dtype: 'uint8', pattern: 'ramp', driver: 'JPEG', co: ['QUALITY=95'] };
      const path = makeRaster(spec, `img${bands}.jpg`);
      const src = await openRaster(path);
      expect(src.info.format).toBe('JPEG');
      expect(src.info.bands).toBe(bands);
      const b = await src.read({ window: { x: 0, y: 0, width: 48, height: 40 } });
      const ref = gdalRead(path, { window: [0, 0, 48, 40] });
      for (let k = 0; k < bands; k++) {
        b.bands[k].forEach((v, i) => expect(Math.abs(v - ref.bands[k][i])).toBeLessThanOrEqual(2));
      }
      await src.close();
    }
  });
});
