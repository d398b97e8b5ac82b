// Comparing heads on the same raster: each head segments the area (the backbone's features are extracted once
// and cached, so every head after the first only runs its own small network), then a disagreement raster (per
// pixel, how many heads differ from the majority class) and, on the user's held-out labels, per-class scores.
import { join } from 'node:path';
import type { CompareRequest, CompareResult, HeadMetrics, SegmentOutput } from '../../shared/contract';
import { InvalidArgumentError, SatError } from '../../shared/errors';
import type { RasterInfo } from '../../shared/raster';
import { writeCogFromSource } from '../export/geotiff';
import { crsSpecOf } from '../jobs/segmentOutputs';
import { crsForRaster } from './crsRef';
import { rasterizeLabels } from '../heads/labels/vectorLabels';
import { ConfusionMatrix, segmentationMetrics } from '../heads/metrics';
import { openRaster } from '../raster/open';
import type { JobContext } from './jobHub';
import { runSegment, type SegmentDeps } from './segmentJob';
import { mkdir } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';

const NODATA = 255;

export function checkCompareRequest(r: CompareRequest): void {
  if (r.headIds.length < 2 || r.headIds.length > 3) throw new InvalidArgumentError(`Compare needs two or three heads, got ${r.headIds.length}.`, 'Tick two or three heads in the Compare panel.');
  if (new Set(r.headIds).size !== r.headIds.length) throw new InvalidArgumentError('The same head is listed twice.');
}

/** Per pixel: heads whose class differs from the most common class (0 = all agree); 255 where any mask is nodata. */
export function disagreement(masks: readonly ArrayLike<number>[], n: number): { counts: Uint8Array; fraction: number } {
  const counts = new Uint8Array(n);
  let valid = 0;
  let differ = 0;
  const votes = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    votes.clear();
    let nodata = false;
    for (const m of masks) {
      const v = m[i]!;
      if (v === NODATA) { nodata = true; break; }
      votes.set(v, (votes.get(v) ?? 0) + 1);
    }
    if (nodata) { counts[i] = NODATA; continue; }
    let best = 0;
    for (const c of votes.values()) best = Math.max(best, c);
    counts[i] = masks.length - best;
    valid++;
    if (counts[i]! > 0) differ++;
  }
  return { counts, fraction: valid ? differ / valid : 0 };
}

async function readMask(path: string): Promise<{ data: ArrayLike<number>; info: RasterInfo }> {
  const src = await openRaster(path);
  try {
    const { info } = src;
    const data = (await src.read({ window: { x: 0, y: 0, width: info.width, height: info.height }, bands: [0] })).bands[0]!;
    return { data, info };
  } finally {
    await src.close();
  }
}

function metricsOn(mask: ArrayLike<number>, truth: Uint8Array, out: SegmentOutput): HeadMetrics | null {
  const n = Math.max(...out.classes.map((c) => c.id)) + 1;
  const predicted = new Uint8Array(mask.length);
  const t = new Uint8Array(truth);
  for (let i = 0; i < mask.length; i++) {
    predicted[i] = mask[i] === NODATA ? 0 : mask[i]!;
    // Pixels outside the segmented area (nodata) or with a class the head does not know are not scored.
    if (mask[i] === NODATA || t[i]! >= n) t[i] = NODATA;
  }
  const cm = new ConfusionMatrix(n).add(t, predicted, NODATA);
  if (cm.total === 0) return null;
  const m = segmentationMetrics(cm);
  return {
    mIoU: m.mIoU, accuracy: m.overallAccuracy, trainPixels: 0, holdoutPixels: m.scored,
    perClass: m.perClass.map((c, id) => ({ classId: id, name: out.classes.find((k) => k.id === id)?.name ?? `class ${id}`, iou: c.iou, f1: c.f1, precision: c.precision, recall: c.recall, support: c.support })),
  };
}

export async function runCompare(r: CompareRequest, ctx: JobContext, deps: SegmentDeps): Promise<CompareResult> {
  const results: SegmentOutput[] = [];
  for (const [i, headId] of r.headIds.entries()) {
    ctx.log(`head ${i + 1} of ${r.headIds.length}`);
    results.push(await runSegment({ rasterId: r.rasterId, aoi: r.aoi, backboneId: '', headId, tileSize: r.tileSize, overlap: r.overlap, bands: null, probabilities: false }, ctx, deps));
  }
  const masks = await Promise.all(results.map((x) => readMask(x.mask.info.path)));
  const info = masks[0]!.info;
  if (masks.some((m) => m.info.width !== info.width || m.info.height !== info.height)) throw new SatError('INTERNAL', 'The heads produced masks of different sizes.');
  const { counts, fraction } = disagreement(masks.map((m) => m.data), info.width * info.height);
  const dir = join(deps.dataDir, 'results', `compare-${randomUUID()}`);
  await mkdir(dir, { recursive: true });
  const path = join(dir, 'disagreement.tif');
  await writeCogFromSource(path, {
    async read(w) {
      const out = new Uint8Array(w.width * w.height);
      for (let row = 0; row < w.height; row++) out.set(counts.subarray((w.y + row) * info.width + w.x, (w.y + row) * info.width + w.x + w.width), row * w.width);
      return [out];
    },
  }, {
    width: info.width, height: info.height, bands: 1, dataType: 'uint8', tileSize: 256, crs: crsSpecOf(info), transform: info.georeferenced ? info.transform : null,
    nodata: NODATA, resampling: 'nearest',
    classNames: Array.from({ length: r.headIds.length }, (_, k) => (k === 0 ? 'all heads agree' : `${k} head${k > 1 ? 's' : ''} differ from the majority`)),
    metadata: [{ name: 'SATDIFUSER_LAYER', value: 'disagreement' }],
  });
  let metrics: { headId: string; metrics: HeadMetrics | null }[] = r.headIds.map((headId) => ({ headId, metrics: null }));
  if (r.holdout && r.holdout.features.length) {
    const source = deps.rasters.get(r.rasterId).source.info;
    const truth = rasterizeLabels({ polygons: r.holdout.features.map((f) => ({ geometry: f.geometry, value: f.classId })), crs: crsForRaster(r.holdout.crs, source), field: 'class_id', path: 'project labels' }, r.holdout.features.map((f) => f.classId), source).labels;
    metrics = results.map((out, i) => ({ headId: out.headId, metrics: metricsOn(masks[i]!.data, truth, out) }));
  }
  return { results, disagreement: await deps.rasters.open(path), disagreementFraction: fraction, metrics };
}
