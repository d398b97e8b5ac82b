// A raster without georeferencing (a PNG made from the sample scene) through the Engine service in pixel
// coordinates (PIXEL_CRS: x = column, y = row): identify, labels, training, an AOI segmentation whose mask GDAL
// reads back with no CRS, exports that carry no CRS, and every mix of pixel and map coordinates refused.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PIXEL_CRS, type TrainResult, type SegmentOutput } from '../../src/shared/contract';
import { createEngine } from '../../src/engine/api/engine';
import { sampleScene } from '../helpers/shared';

const dir = mkdtempSync(join(tmpdir(), 'sdf-test-pixel-'));
const png = join(dir, 'scene.png');
const engine = createEngine({ host: 'test', dataDir: join(dir, 'data'), sampleScene });
afterAll(() => engine.dispose());

// Bands 3, 2, 1 of the scene as an 8-bit PNG; GDAL writes the georeferencing into an .aux.xml beside it, which
// is deleted so nothing places the image.
execFileSync('gdal_translate', ['-q', '-of', 'PNG', '-b', '3', '-b', '2', '-b', '1', sampleScene, png]);
execFileSync('rm', ['-f', `${png}.aux.xml`]);
execFileSync('gdal_translate', ['-q', '-of', 'ENVI', '-co', 'INTERLEAVE=BSQ', png, join(dir, 'png.bin')]);
const raw = readFileSync(join(dir, 'png.bin'));
const W = 349, H = 352;

const rect = (x0: number, y0: number, x1: number, y1: number) => ({ type: 'Polygon' as const, coordinates: [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]] as [number, number][]] });
// Forest (top left) and sea (bottom right) in pixel coordinates: rows grow downwards.
const labels = {
  crs: PIXEL_CRS,
  features: [
    { id: 'f1', classId: 1, geometry: rect(24, 43, 47, 66) }, { id: 'f2', classId: 1, geometry: rect(74, 30, 94, 50) }, { id: 'f3', classId: 1, geometry: rect(20, 153, 37, 170) },
    { id: 's1', classId: 2, geometry: rect(291, 310, 314, 333) }, { id: 's2', classId: 2, geometry: rect(304, 236, 321, 253) }, { id: 's3', classId: 2, geometry: rect(254, 323, 267, 336) },
  ],
};
const classes = [{ id: 0, name: 'Other', color: [128, 128, 128] as [number, number, number] }, { id: 1, name: 'Forest', color: [0, 150, 0] as [number, number, number] }, { id: 2, name: 'Sea', color: [0, 80, 255] as [number, number, number] }];
let rasterId = '';
let trained: TrainResult;
let segment: SegmentOutput;

beforeAll(async () => {
  rasterId = (await engine['raster.open']({ path: png })).rasterId;
});

describe('a raster without georeferencing', () => {
  it('opens as a pixel raster and identifies pixels by column and row', async () => {
    const h = await engine['raster.open']({ path: png });
    expect(h.info.georeferenced).toBe(false);
    expect(h.info.crs).toBeNull();
    expect([h.info.width, h.info.height]).toEqual([W, H]);
    expect(h.served.kind).toBe('cog');
    const id = await engine['raster.identify']({ rasterId, x: 100.5, y: 200.5, crs: PIXEL_CRS });
    expect(id.pixel).toEqual({ col: 100, row: 200 });
    expect(id.values).toEqual([0, 1, 2].map((b) => raw[b * W * H + 200 * W + 100]));
  });

  it('refuses map coordinates on it, and pixel coordinates on a georeferenced raster', async () => {
    await expect(engine['raster.identify']({ rasterId, x: 289000, y: 9119000, crs: 'EPSG:31985' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/no georeferencing/) });
    const geo = await engine['raster.open']({ path: sampleScene });
    await expect(engine['raster.identify']({ rasterId: geo.rasterId, x: 10, y: 10, crs: PIXEL_CRS })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/is georeferenced/) });
    await expect(engine['train.estimate']({ rasterId: geo.rasterId, name: 'x', backboneId: 'pixels', fusion: 'gw', size: 'light', classes, labels, holdoutFraction: 0.3, maxEpochs: 2, seed: 1, tileSize: 256, overlap: 32 }))
      .rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(engine['vector.read']({ path: join(dir, 'none.geojson'), crs: PIXEL_CRS })).rejects.toBeTruthy();
  });

  it('trains on labels in pixel coordinates', async () => {
    const req = { rasterId, name: 'pixel head', backboneId: 'pixels', fusion: 'gw' as const, size: 'light' as const, classes, labels, holdoutFraction: 0.3, maxEpochs: 3, seed: 7, tileSize: 256, overlap: 32 };
    const est = await engine['train.estimate'](req);
    // Forest (columns 20–94, rows 30–170) is in tile (0,0); sea s2 (rows 236–253) in (256,0), s1 in (256,256), and s3
    // (columns 254–267, rows 323–336) straddles (0,256) and (256,256): four tiles.
    expect(est.tiles).toBe(4);
    const t = await engine['train.start'](req);
    const outcome = await engine.jobs.settled(t.jobId);
    expect(outcome?.status, JSON.stringify(outcome)).toBe('succeeded');
    if (outcome?.status !== 'succeeded' || outcome.result.kind !== 'train') throw new Error('no result');
    trained = outcome.result.train;
    expect(trained.metrics.holdoutPixels).toBeGreaterThan(0);
  }, 120_000);

  it('segments an area given in pixel coordinates into a mask with no CRS on the image grid', async () => {
    const aoi = { crs: PIXEL_CRS, geometry: rect(100, 50, 200, 150) };
    const t = await engine['segment.start']({ rasterId, aoi, backboneId: 'pixels', headId: trained.head.id, tileSize: 256, overlap: 32, bands: null, probabilities: true });
    const outcome = await engine.jobs.settled(t.jobId);
    expect(outcome?.status, JSON.stringify(outcome)).toBe('succeeded');
    if (outcome?.status !== 'succeeded' || outcome.result.kind !== 'segment') throw new Error('no result');
    segment = outcome.result.segment;
    const info = JSON.parse(execFileSync('gdalinfo', ['-json', segment.mask.info.path], { encoding: 'utf8' }));
    expect(info.size).toEqual([W, H]);
    expect(info.coordinateSystem?.wkt ?? '').toBe('');
    expect(info.geoTransform).toBeUndefined();
    execFileSync('gdal_translate', ['-q', '-of', 'ENVI', segment.mask.info.path, join(dir, 'mask.bin')]);
    const mask = readFileSync(join(dir, 'mask.bin'));
    // Inside the area: a class; outside: nodata (255). Row 100 crosses columns 99 | 100 … 199 | 200.
    expect(mask[100 * W + 99]).toBe(255);
    expect(mask[100 * W + 100]).toBeLessThan(3);
    expect(mask[100 * W + 199]).toBeLessThan(3);
    expect(mask[100 * W + 200]).toBe(255);
    expect(mask[49 * W + 150]).toBe(255);
    expect(mask[50 * W + 150]).toBeLessThan(3);
  }, 120_000);

  it('exports polygons in pixel coordinates with no CRS, refuses GeoJSON and a target CRS, and says so', async () => {
    const vector = { simplifyTolerance: 0, minArea: 0, crs: null, classIds: null };
    const preview = await engine['export.preview']({ resultId: segment.resultId, format: 'geopackage', vector });
    expect(preview.crs).toBe('none');
    await expect(engine['export.preview']({ resultId: segment.resultId, format: 'geojson', vector })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/no CRS/) });
    await expect(engine['export.preview']({ resultId: segment.resultId, format: 'geopackage', vector: { ...vector, crs: 'EPSG:4326' } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const gpkg = join(dir, 'out', 'mask.gpkg');
    const t = await engine['export.start']({ resultId: segment.resultId, format: 'geopackage', path: gpkg, vector });
    const outcome = await engine.jobs.settled(t.jobId);
    if (outcome?.status !== 'succeeded' || outcome.result.kind !== 'export') throw new Error(JSON.stringify(outcome));
    expect(outcome.result.export.crs).toBeNull();
    expect(outcome.result.export.featureCount).toBe(preview.featureCount);
    const ogr = execFileSync('ogrinfo', ['-so', '-al', gpkg], { encoding: 'utf8' });
    expect(ogr).toMatch(new RegExp(`Feature Count: ${preview.featureCount}\\b`));
    // GeoPackage spells "no CRS" as its undefined Cartesian SRS (srs_id -1).
    expect(ogr).toMatch(/Layer SRS WKT:\s*\nENGCRS\["Undefined Cartesian SRS"/);
    // The polygons cover the segmented area's pixels: the extent is the AOI's columns and rows (y down).
    const extent = /Extent: \(([\d.]+), ([\d.]+)\) - \(([\d.]+), ([\d.]+)\)/.exec(ogr)!.slice(1).map(Number);
    expect(extent).toEqual([100, 50, 200, 150]);
    const shp = join(dir, 'out', 'mask.shp');
    const ts = await engine['export.start']({ resultId: segment.resultId, format: 'shapefile', path: shp, vector });
    const so = await engine.jobs.settled(ts.jobId);
    if (so?.status !== 'succeeded' || so.result.kind !== 'export') throw new Error(JSON.stringify(so));
    expect(existsSync(shp.replace(/\.shp$/, '.prj'))).toBe(false);
    expect(so.result.export.files.some((f) => f.endsWith('.prj'))).toBe(false);
    // Read back into a pixel project, the shapefile without .prj and the GeoPackage in the undefined Cartesian
    // SRS are in pixel coordinates (the same polygons); a map project refuses both.
    for (const [path, refusal] of [[shp, /no \.prj/], [gpkg, /undefined CRS/]] as const) {
      const back = await engine['vector.read']({ path, crs: PIXEL_CRS });
      expect(back.sourceCrs).toBe(PIXEL_CRS);
      expect(back.features.features).toHaveLength(preview.featureCount);
      const xs = back.features.features.flatMap((f) => (f.geometry!.coordinates as number[][][]).flat().map((p) => p[0]!));
      const ys = back.features.features.flatMap((f) => (f.geometry!.coordinates as number[][][]).flat().map((p) => p[1]!));
      expect([Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)]).toEqual([100, 50, 200, 150]);
      await expect(engine['vector.read']({ path, crs: 'EPSG:31985' })).rejects.toMatchObject({ code: 'UNKNOWN_CRS', message: expect.stringMatching(refusal) });
    }
    const tif = join(dir, 'out', 'mask.tif');
    const tt = await engine['export.start']({ resultId: segment.resultId, format: 'mask-geotiff', path: tif, vector });
    const to = await engine.jobs.settled(tt.jobId);
    if (to?.status !== 'succeeded' || to.result.kind !== 'export') throw new Error(JSON.stringify(to));
    expect(to.result.export.crs).toBeNull();
  }, 60_000);
});
