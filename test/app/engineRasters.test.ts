// The Engine service on the bundled sample scene, checked against GDAL and numpy run on the same file: what the
// map gets from `raster.open`, the stretch statistics, and identify in the raster's CRS and in WGS 84.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/api/engine';
import { sampleScene } from '../helpers/shared';

const dir = mkdtempSync(join(tmpdir(), 'sdf-eng-'));
const engine = createEngine({ host: 'test', dataDir: join(dir, 'data'), sampleScene });
afterAll(() => engine.dispose());

// GDAL's own view of the file (on a copy: -stats would write an .aux.xml beside it).
const copy = join(dir, 'scene.tif');
copyFileSync(sampleScene, copy);
const gdal = JSON.parse(execFileSync('gdalinfo', ['-json', '-stats', copy], { encoding: 'utf8' }));
execFileSync('gdal_translate', ['-q', '-of', 'ENVI', '-co', 'INTERLEAVE=BSQ', copy, join(dir, 'raw.bin')]);
const raw = readFileSync(join(dir, 'raw.bin'));
const W = gdal.size[0] as number;
const H = gdal.size[1] as number;
const pixel = (band: number, col: number, row: number) => raw[band * W * H + row * W + col]!;

describe('raster.open', () => {
  it('returns the reader\'s RasterInfo, matching gdalinfo', async () => {
    const h = await engine['raster.open']({ path: sampleScene });
    expect(h.info.width).toBe(W);
    expect(h.info.height).toBe(H);
    expect(h.info.bands).toBe(gdal.bands.length);
    expect(h.info.epsg).toBe(31985);
    expect(h.info.transform[0]).toBeCloseTo(gdal.geoTransform[0], 6);
    expect(h.info.transform[3]).toBeCloseTo(gdal.geoTransform[3], 6);
    expect(h.info.transform[1]).toBeCloseTo(gdal.geoTransform[1], 9);
    expect((await engine['raster.open']({ path: sampleScene })).rasterId).toBe(h.rasterId);
  });

  it('serves a striped file through a tiled COG copy with overviews that GDAL reads as pixel-identical', async () => {
    const h = await engine['raster.open']({ path: sampleScene });
    expect(h.served.kind).toBe('cog');
    expect(h.served.note).toMatch(/strips/);
    const served = engine.servedFile(h.rasterId)!;
    expect(served.path).not.toBe(sampleScene);
    expect(served.path.startsWith(join(dir, 'data', 'cog-cache'))).toBe(true);
    const cog = JSON.parse(execFileSync('gdalinfo', ['-json', served.path], { encoding: 'utf8' }));
    expect(cog.size).toEqual(gdal.size);
    expect(cog.geoTransform).toEqual(gdal.geoTransform);
    expect(cog.bands[0].block).toEqual([256, 256]);
    expect(cog.bands[0].overviews.length).toBeGreaterThan(0);
    expect(cog.metadata.IMAGE_STRUCTURE.LAYOUT).toBe('COG');
    execFileSync('gdal_translate', ['-q', '-of', 'ENVI', '-co', 'INTERLEAVE=BSQ', served.path, join(dir, 'cog.bin')]);
    expect(readFileSync(join(dir, 'cog.bin')).equals(raw)).toBe(true);
  });

  it('names a missing file and a non-raster in the error', async () => {
    await expect(engine['raster.open']({ path: join(dir, 'nope.tif') })).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
    await expect(engine['raster.open']({ path: dir })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(engine['raster.open']({ path: '' } as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('raster.statistics', () => {
  it('equals GDAL min/max/mean/std and numpy mean/std/2–98 percentiles on every band', async () => {
    const h = await engine['raster.open']({ path: sampleScene });
    const stats = await engine['raster.statistics']({ rasterId: h.rasterId, bands: null });
    expect(stats.approximate).toBe(false);
    const numpy = JSON.parse(execFileSync('/usr/bin/python3', ['-c', `
import numpy as np, json
a = np.fromfile(${JSON.stringify(join(dir, 'raw.bin'))}, dtype=np.uint8).reshape(${gdal.bands.length}, ${H}, ${W}).astype(np.float64)
print(json.dumps([[float(np.percentile(b, 2)), float(np.percentile(b, 98)), float(b.mean()), float(b.std())] for b in a]))
`], { encoding: 'utf8' }));
    stats.bands.forEach((s, i) => {
      const g = gdal.bands[i];
      expect(s.min).toBe(g.minimum);
      expect(s.max).toBe(g.maximum);
      // gdalinfo -json prints mean and std to 3 decimals; numpy gives them in full.
      expect(s.mean).toBeCloseTo(g.mean, 2);
      expect(s.stdDev).toBeCloseTo(g.stdDev, 2);
      expect(s.mean).toBeCloseTo(numpy[i][2], 9);
      expect(s.stdDev).toBeCloseTo(numpy[i][3], 9);
      expect(s.validCount).toBe(W * H);
      expect(s.p2).toBeCloseTo(numpy[i][0], 9);
      expect(s.p98).toBeCloseTo(numpy[i][1], 9);
    });
  });

  it('refuses a band that does not exist', async () => {
    const h = await engine['raster.open']({ path: sampleScene });
    await expect(engine['raster.statistics']({ rasterId: h.rasterId, bands: [6] })).rejects.toThrow(/Band 7 does not exist/);
  });
});

describe('raster.identify', () => {
  const t = () => gdal.geoTransform as number[];
  const centre = (col: number, row: number) => [t()[0]! + (col + 0.5) * t()[1]!, t()[3]! + (row + 0.5) * t()[5]!] as const;

  it('reads the pixel under a point given in the raster CRS', async () => {
    const h = await engine['raster.open']({ path: sampleScene });
    for (const [col, row] of [[0, 0], [10, 20], [348, 351], [200, 117]] as const) {
      const [x, y] = centre(col, row);
      const r = await engine['raster.identify']({ rasterId: h.rasterId, x, y, crs: 'EPSG:31985' });
      expect(r.inside).toBe(true);
      expect(r.pixel).toEqual({ col, row });
      expect(r.values).toEqual(Array.from({ length: 6 }, (_, b) => pixel(b, col, row)));
    }
  });

  it('reprojects a WGS 84 point (gdaltransform gives the lon/lat of a pixel centre) to the same pixel', async () => {
    const h = await engine['raster.open']({ path: sampleScene });
    const [x, y] = centre(123, 45);
    const [lon, lat] = execFileSync('gdaltransform', ['-s_srs', 'EPSG:31985', '-t_srs', 'EPSG:4326', '-output_xy'], { input: `${x} ${y}\n`, encoding: 'utf8' }).trim().split(/\s+/).map(Number);
    const r = await engine['raster.identify']({ rasterId: h.rasterId, x: lon!, y: lat!, crs: 'EPSG:4326' });
    expect(r.pixel).toEqual({ col: 123, row: 45 });
    expect(r.values[0]).toBe(pixel(0, 123, 45));
  });

  it('says "outside" for a point off the raster', async () => {
    const h = await engine['raster.open']({ path: sampleScene });
    const [x, y] = centre(-3, 10);
    expect(await engine['raster.identify']({ rasterId: h.rasterId, x, y, crs: 'EPSG:31985' })).toMatchObject({ inside: false, pixel: null, values: [] });
  });

  it('refuses an unknown raster id with a hint', async () => {
    await expect(engine['raster.identify']({ rasterId: 'nope', x: 0, y: 0, crs: 'EPSG:4326' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', hint: expect.stringMatching(/Open the raster again/) });
  });
});

describe('capabilities', () => {
  it('hello lists what is available and says why the rest is not', async () => {
    const hello = await engine['engine.hello']({});
    expect(hello.capabilities.rasters.available).toBe(true);
    expect(hello.capabilities.segment.available).toBe(true);
    for (const [, c] of Object.entries(hello.capabilities)) if (!c.available) expect(c.reason).toMatch(/not wired|not built|src\/engine/);
  });

  it('segmentation without a head says to choose or train one', async () => {
    const h = await engine['raster.open']({ path: sampleScene });
    await expect(engine['segment.start']({ rasterId: h.rasterId, aoi: null, backboneId: '', headId: '', tileSize: 256, overlap: 32, bands: null, probabilities: true }))
      .rejects.toMatchObject({ code: 'INVALID_ARGUMENT', hint: expect.stringMatching(/Train one/) });
  });
});
