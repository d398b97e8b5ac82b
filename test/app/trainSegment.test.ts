// The Engine service's analysis loop on the sample scene, checked with GDAL: label polygons → a trained head in
// the head store (pixels baseline backbone, a few epochs) with holdout metrics → segmentation of an AOI into a
// class mask and probabilities on exactly the source grid → head export and import round trip.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { EngineEvent, SegmentOutput, TrainResult } from '../../src/shared/contract';
import { createEngine } from '../../src/engine/api/engine';
import { sampleScene } from '../helpers/shared';
import { forestSeaLabels, square as sq } from '../helpers/forestSeaLabels';

const dir = mkdtempSync(join(tmpdir(), 'sdf-loop-'));
const engine = createEngine({ host: 'test', dataDir: join(dir, 'data'), sampleScene });
const events: EngineEvent[] = [];
engine.events.on((e) => events.push(e));
afterAll(() => engine.dispose());

const labels = forestSeaLabels;
const classes = [{ id: 0, name: 'Other', color: [128, 128, 128] as [number, number, number] }, { id: 1, name: 'Forest', color: [0, 150, 0] as [number, number, number] }, { id: 2, name: 'Sea', color: [0, 80, 255] as [number, number, number] }];

let trained: TrainResult;

describe('train → segment', () => {
  it('trains a head from label polygons, streaming the loss, and stores it with holdout metrics', async () => {
    const h = await engine['raster.open']({ path: sampleScene });
    const t = await engine['train.start']({ rasterId: h.rasterId, name: 'forest-sea', backboneId: 'pixels', fusion: 'gw', size: 'light', classes, labels, holdoutFraction: 0.3, maxEpochs: 3, seed: 7, tileSize: 256, overlap: 32 });
    const outcome = await engine.jobs.settled(t.jobId);
    expect(outcome?.status, JSON.stringify(outcome)).toBe('succeeded');
    if (outcome?.status !== 'succeeded' || outcome.result.kind !== 'train') throw new Error('no result');
    trained = outcome.result.train;
    expect(trained.head.classes.map((c) => c.name)).toEqual(['Other', 'Forest', 'Sea']);
    expect(trained.metrics.holdoutPixels).toBeGreaterThan(0);
    expect(trained.metrics.perClass.find((c) => c.name === 'Sea')!.support).toBeGreaterThan(0);
    const losses = events.filter((e) => e.topic === 'job.loss' && e.jobId === t.jobId);
    expect(losses.length).toBeGreaterThan(2);
    // Step points carry the training loss; evaluation points add the holdout loss.
    expect(losses.filter((e) => e.topic === 'job.loss' && e.point.holdoutLoss === null).every((e) => e.topic === 'job.loss' && Number.isFinite(e.point.trainLoss ?? NaN))).toBe(true);
    expect(losses.some((e) => e.topic === 'job.loss' && e.point.holdoutLoss !== null && e.point.holdoutLoss > 0)).toBe(true);
    const listed = (await engine['models.list']({} as never)).heads;
    // The user's heads first, then the default head shipped with the default backbone (read-only).
    expect(listed.map((x) => x.id)).toEqual([trained.head.id, 'default:sample-landcover']);
    expect(listed[0]!.metrics?.mIoU).toBeCloseTo(trained.metrics.mIoU, 12);
    expect(listed[1]).toMatchObject({ name: 'sample-landcover', task: 'segmentation', backboneId: 'default', fusion: 'gw', size: 'light' });
    await expect(engine['heads.delete']({ headId: 'default:sample-landcover' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('segments an AOI into a mask and probabilities on the source grid (GDAL reads them back)', async () => {
    const h = await engine['raster.open']({ path: sampleScene });
    const aoi = { crs: 'EPSG:31985', geometry: sq(290000, 9112000, 6000) };
    const t = await engine['segment.start']({ rasterId: h.rasterId, aoi, backboneId: 'pixels', headId: trained.head.id, tileSize: 256, overlap: 32, bands: null, probabilities: true });
    const outcome = await engine.jobs.settled(t.jobId);
    expect(outcome?.status, JSON.stringify(outcome)).toBe('succeeded');
    if (outcome?.status !== 'succeeded' || outcome.result.kind !== 'segment') throw new Error('no result');
    const out: SegmentOutput = outcome.result.segment;
    const src = JSON.parse(execFileSync('gdalinfo', ['-json', sampleScene], { encoding: 'utf8' }));
    const mask = JSON.parse(execFileSync('gdalinfo', ['-json', '-hist', out.mask.info.path], { encoding: 'utf8' }));
    expect(mask.size).toEqual(src.size);
    expect(mask.geoTransform).toEqual(src.geoTransform);
    expect(mask.bands[0].noDataValue).toBe(255);
    // Inside the AOI every pixel has a class id; outside it is nodata. Pixel (col 10, row 10) is outside the AOI.
    const at = (col: number, row: number, file: string) => Number(execFileSync('gdallocationinfo', ['-valonly', file, String(col), String(row)], { encoding: 'utf8' }).trim());
    expect(at(10, 10, out.mask.info.path)).toBe(255);
    const inside = at(120, 200, out.mask.info.path);
    expect([0, 1, 2]).toContain(inside);
    const probs = JSON.parse(execFileSync('gdalinfo', ['-json', out.probabilities!.info.path], { encoding: 'utf8' }));
    expect(probs.bands).toHaveLength(3);
    // The class with the highest probability is the mask's class.
    const p = [1, 2, 3].map((b) => Number(execFileSync('gdallocationinfo', ['-valonly', '-b', String(b), out.probabilities!.info.path, '120', '200'], { encoding: 'utf8' }).trim()));
    expect(p.indexOf(Math.max(...p))).toBe(inside);
    expect(events.some((e) => e.topic === 'engine.provider')).toBe(true);
  });

  it('exports a head as one .safetensors file and imports it back with identical weights', async () => {
    const file = (await engine['heads.export']({ headId: trained.head.id, path: join(dir, 'forest-sea') })).path;
    expect(file).toBe(join(dir, 'forest-sea.safetensors'));
    const imported = await engine['heads.import']({ path: file });
    expect(imported.name).toBe('forest-sea');
    expect(imported.id).not.toBe(trained.head.id);
    const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
    const card = (id: string) => JSON.parse(readFileSync(join(dir, 'data', 'heads', id, 'head.json'), 'utf8'));
    expect(card(imported.id).weights.sha256).toBe(card(trained.head.id).weights.sha256);
    expect(sha(join(dir, 'data', 'heads', imported.id, 'weights.safetensors'))).toBe(card(imported.id).weights.sha256);
    expect((await engine['heads.delete']({ headId: imported.id })).deleted).toBe(true);
    expect((await engine['models.list']({} as never)).heads.map((x) => x.id)).toEqual([trained.head.id, 'default:sample-landcover']);
  });
});

describe('export and compare', () => {
  let resultId = '';

  it('exports the mask as GeoTIFF and polygons as GeoPackage/Shapefile/GeoJSON that GDAL reads', async () => {
    const h = await engine['raster.open']({ path: sampleScene });
    const t = await engine['segment.start']({ rasterId: h.rasterId, aoi: { crs: 'EPSG:31985', geometry: sq(290000, 9112000, 6000) }, backboneId: 'pixels', headId: trained.head.id, tileSize: 256, overlap: 32, bands: null, probabilities: true });
    const o = await engine.jobs.settled(t.jobId);
    if (o?.status !== 'succeeded' || o.result.kind !== 'segment') throw new Error(JSON.stringify(o));
    resultId = o.result.segment.resultId;
    const vector = { simplifyTolerance: 0, minArea: 0, crs: null, classIds: null };
    const tif = join(dir, 'out', 'mask');
    const e1 = await engine.jobs.settled((await engine['export.start']({ resultId, format: 'mask-geotiff', path: tif, vector })).jobId);
    expect(e1?.status).toBe('succeeded');
    const info = JSON.parse(execFileSync('gdalinfo', ['-json', `${tif}.tif`], { encoding: 'utf8' }));
    expect(info.metadata.IMAGE_STRUCTURE.LAYOUT).toBe('COG');
    expect(info.bands[0].colorTable).toBeDefined();
    const preview = await engine['export.preview']({ resultId, format: 'geopackage', vector });
    expect(preview.featureCount).toBeGreaterThan(0);
    for (const [format, file] of [['geopackage', 'polys.gpkg'], ['shapefile', 'polys.shp'], ['geojson', 'polys.geojson']] as const) {
      const path = join(dir, 'out', file);
      const out = await engine.jobs.settled((await engine['export.start']({ resultId, format, path, vector })).jobId);
      expect(out?.status, JSON.stringify(out)).toBe('succeeded');
      // ogrinfo counts the features GDAL reads; exact pixel edges, so the count equals the preview's.
      const summary = execFileSync('ogrinfo', ['-so', '-al', path], { encoding: 'utf8' });
      expect(summary).toMatch(new RegExp(`Feature Count: ${preview.featureCount}\\b`));
      expect(summary).toMatch(/class_name/);
    }
    // Reprojected output: GeoJSON is WGS 84 whatever is asked (RFC 7946); a GeoPackage in EPSG:4326 says so.
    const wgs = join(dir, 'out', 'wgs.gpkg');
    await engine.jobs.settled((await engine['export.start']({ resultId, format: 'geopackage', path: wgs, vector: { ...vector, crs: 'EPSG:4326' } })).jobId);
    expect(execFileSync('ogrinfo', ['-so', '-al', wgs], { encoding: 'utf8' })).toMatch(/WGS 84/);
    await expect(engine['export.start']({ resultId, format: 'shapefile', path: join(dir, 'x.gpkg'), vector })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('compares two heads: a disagreement raster and per-class scores on the holdout labels', async () => {
    const h = await engine['raster.open']({ path: sampleScene });
    const t2 = await engine['train.start']({ rasterId: h.rasterId, name: 'forest-sea-concat', backboneId: 'pixels', fusion: 'concat', size: 'light', classes, labels, holdoutFraction: 0.3, maxEpochs: 2, seed: 3, tileSize: 256, overlap: 32 });
    const o2 = await engine.jobs.settled(t2.jobId);
    if (o2?.status !== 'succeeded' || o2.result.kind !== 'train') throw new Error(JSON.stringify(o2));
    const c = await engine['compare.start']({ rasterId: h.rasterId, aoi: null, headIds: [trained.head.id, o2.result.train.head.id], holdout: labels, tileSize: 256, overlap: 32 });
    const oc = await engine.jobs.settled(c.jobId);
    if (oc?.status !== 'succeeded' || oc.result.kind !== 'compare') throw new Error(JSON.stringify(oc));
    const cmp = oc.result.compare;
    expect(cmp.results.map((r) => r.fusion)).toEqual(['gw', 'concat']);
    // The disagreement raster counts, per pixel, the heads that differ from the majority: recompute it from the masks.
    const read = (p: string) => execFileSync('gdal_translate', ['-q', '-of', 'AAIGrid', p, '/vsistdout/'], { encoding: 'utf8', maxBuffer: 1 << 26 }).split('\n').filter((l) => /^\s*[-\d]/.test(l)).join(' ').trim().split(/\s+/).map(Number);
    const a = read(cmp.results[0]!.mask.info.path);
    const b = read(cmp.results[1]!.mask.info.path);
    const d = read(cmp.disagreement.info.path);
    let differ = 0;
    for (let i = 0; i < d.length; i++) {
      expect(d[i]).toBe(a[i] === b[i] ? 0 : 1);
      if (a[i] !== b[i]) differ++;
    }
    expect(cmp.disagreementFraction).toBeCloseTo(differ / d.length, 12);
    expect(cmp.metrics).toHaveLength(2);
    for (const m of cmp.metrics) {
      expect(m.metrics).not.toBeNull();
      expect(m.metrics!.perClass.find((k) => k.name === 'Forest')!.support).toBeGreaterThan(0);
    }
  });
});
