// Classification: of one AOI (its bounding box resampled to the backbone's tile), or of every cell of a
// regular grid over the AOI (a scene-label raster: one output pixel per cell of `stride` source pixels,
// each classified from a tile centred on it, with `overlap` pixels of context around the cell). Each cell
// is a journal unit, so an interrupted grid resumes where it stopped.
import { AbsurdSizeError, InvalidArgumentError, throwIfCancelled } from '../../shared/errors';
import type { GeoTransform, PixelWindow } from '../../shared/geometry';
import type { JobEstimate, JobOutcome } from '../../shared/jobs';
import type { RasterBlock, RasterSource } from '../raster/source';
import type { DeviceTimings } from '../store/deviceTimings';
import type { FeatureCache, FeatureSet } from '../store/featureCache';
import { canonicalJson, featureKey, hashWindowPixels, sha256Hex } from '../store/featureKey';
import { float16ToFloat32, float32ToFloat16 } from '../nn/fp16';
import type { JobJournal } from '../store/jobJournal';
import { estimateJob } from './estimate';
import { headWarnings } from './guards';
import type { ClassificationHead, FeatureExtractor, InputPreparer } from './model';
import { ProgressMeter } from './progressMeter';
import { runJob, type JobHooks } from './runJob';
import { featuresForBatch } from './tileFeatures';
import { acquireTileBuffers, releaseTileBuffers } from './tileBuffers';
import { MAX_TILES, type PlannedTile, type TilePlan } from './tilePlan';

export interface ClassifyJob {
  readonly source: RasterSource;
  readonly sourceFingerprint: string;
  readonly box: PixelWindow;
  readonly aoiMask?: (window: PixelWindow) => Uint8Array;
  readonly aoiId?: string;
  readonly preparer: InputPreparer;
  readonly extractor: FeatureExtractor;
  readonly head: ClassificationHead;
  /** 'aoi': one label for the whole AOI; 'grid': a label per cell. */
  readonly mode: 'aoi' | 'grid';
  /** Grid: context pixels around each cell (cell side = tile − overlap). Default 0. */
  readonly overlap?: number;
  readonly batchSize?: number;
  readonly journal: JobJournal;
  readonly cache: FeatureCache | null;
  readonly timings?: DeviceTimings;
  /** Grid mode: writes the scene-label raster (and probabilities) from the finished cells. */
  readonly writeGrid?: (grid: LabelGrid) => Promise<{ readonly labelRasterPath: string }>;
  readonly outputId?: unknown;
}

/** One value per grid cell, row-major; 255 where the cell holds no data. */
export interface LabelGrid {
  readonly cols: number;
  readonly rows: number;
  readonly stride: number;
  readonly labels: Uint8Array;
  /** classes × rows × cols softmax probabilities (0 for nodata cells). */
  readonly probabilities: Float32Array;
  /** The grid's geotransform, derived from the source's so that cell (0,0) starts at the box origin. */
  readonly transform: GeoTransform;
}

export interface ClassifyJobResult {
  readonly label: { readonly classId: number; readonly probabilities: number[] } | null;
  readonly labelRasterPath: string | null;
  readonly grid: LabelGrid | null;
  readonly tiles: number;
  readonly cacheHits: number;
  readonly classes: ClassificationHead['classes'];
}

export function softmax(logits: ArrayLike<number>): number[] {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]);
  const e = Array.from(logits, (v) => Math.exp(v - max));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

const argmax = (p: readonly number[]) => p.reduce((best, v, i) => (v > p[best] ? i : best), 0);

/** The regular grid of cells over the box; each cell's tile is centred on it. */
export function gridPlan(box: PixelWindow, tileSize: number, overlap: number): TilePlan & { stride: number } {
  if (!Number.isInteger(overlap) || overlap < 0 || overlap * 2 >= tileSize) throw new InvalidArgumentError(`Overlap ${overlap} must be an integer ≥ 0 and less than half the tile size (${tileSize}).`);
  const stride = tileSize - overlap;
  const cols = Math.ceil(box.width / stride);
  const rows = Math.ceil(box.height / stride);
  if (cols * rows > MAX_TILES) {
    throw new AbsurdSizeError(`Classifying every ${stride}-pixel cell of this area would run ${(cols * rows).toLocaleString('en')} tiles; the limit is ${MAX_TILES.toLocaleString('en')}.`, 'Draw a smaller area, or use a larger tile/cell.', { cols, rows });
  }
  const half = Math.floor(overlap / 2);
  const xs = Array.from({ length: cols }, (_, i) => box.x + i * stride - half);
  const ys = Array.from({ length: rows }, (_, j) => box.y + j * stride - half);
  return {
    box,
    tileSize,
    overlap,
    stride,
    xs,
    ys,
    rows,
    cols,
    count: rows * cols,
    tile(row: number, col: number): PlannedTile {
      return { index: row * cols + col, row, col, window: { x: xs[col], y: ys[row], width: tileSize, height: tileSize }, overlap: { left: 0, right: 0, top: 0, bottom: 0 } };
    },
  };
}

export function gridTransform(t: GeoTransform, box: PixelWindow, stride: number): GeoTransform {
  return [t[0] + box.x * t[1] + box.y * t[2], t[1] * stride, t[2] * stride, t[3] + box.x * t[4] + box.y * t[5], t[4] * stride, t[5] * stride];
}

function jobHash(job: ClassifyJob): string {
  return sha256Hex(
    canonicalJson({
      kind: 'classify',
      mode: job.mode,
      source: job.sourceFingerprint,
      box: job.box,
      aoi: job.aoiId ?? null,
      bands: job.preparer.bands,
      norm: job.preparer.descriptor,
      backbone: [job.extractor.id, job.extractor.weightsHash, job.extractor.settings],
      head: [job.head.id, job.head.classes.length],
      overlap: job.overlap ?? 0,
      out: job.outputId ?? null,
    }),
  );
}

function cellTouchesAoi(job: ClassifyJob, plan: TilePlan & { stride: number }, t: PlannedTile): boolean {
  const x0 = job.box.x + t.col * plan.stride;
  const y0 = job.box.y + t.row * plan.stride;
  const w = Math.min(plan.stride, job.box.x + job.box.width - x0);
  const h = Math.min(plan.stride, job.box.y + job.box.height - y0);
  return !job.aoiMask || job.aoiMask({ x: x0, y: y0, width: w, height: h }).some((v) => v !== 0);
}

export async function estimateClassification(job: ClassifyJob): Promise<JobEstimate> {
  const plan = job.mode === 'grid' ? gridPlan(job.box, job.extractor.tileSize, job.overlap ?? 0) : gridPlan({ ...job.box, width: 1, height: 1 }, job.extractor.tileSize, 0);
  return estimateJob({
    kind: 'classify',
    plan,
    info: job.source.info,
    box: job.box,
    aoiMask: job.aoiMask,
    preparer: job.preparer,
    extractor: job.extractor,
    headId: job.head.id,
    headSeconds: job.head.nominalSecondsPerTile,
    batchSize: job.batchSize ?? 4,
    cache: job.mode === 'grid' ? job.cache : null,
    sourceFingerprint: job.sourceFingerprint,
    timings: job.timings,
    journal: job.journal,
    jobHash: jobHash(job),
    warnings: headWarnings(job.source.info, job.preparer, job.head.expects),
    includeTile: (t) => (job.mode === 'grid' ? cellTouchesAoi(job, plan, t) : true),
    unitsAreRows: false,
  });
}

async function classifyAoi(job: ClassifyJob, signal?: AbortSignal): Promise<{ probabilities: number[]; cacheHit: boolean } | null> {
  const T = job.extractor.tileSize;
  // The whole AOI box seen at the backbone's tile size: averaging keeps every source pixel's contribution.
  const block: RasterBlock = await job.source.read({ window: job.box, bands: job.preparer.bands, outWidth: T, outHeight: T, resampling: 'average', signal });
  if (!block.valid.some((v) => v !== 0)) return null;
  const input = job.preparer.prepare(block);
  const key = featureKey({
    contentHash: hashWindowPixels(block),
    bands: job.preparer.bands,
    normalization: job.preparer.descriptor,
    backboneId: job.extractor.id,
    weightsHash: job.extractor.weightsHash,
    extraction: { settings: job.extractor.settings, tileSize: T },
  });
  let features: FeatureSet | null = job.cache?.get(key) ?? null;
  const cacheHit = features !== null;
  if (!features) {
    const [fresh] = await job.extractor.extract([input], signal);
    job.cache?.put(key, fresh, { backbone: job.extractor.id });
    features = fresh.map((t) => ({ name: t.name, shape: t.shape, data: float16ToFloat32(float32ToFloat16(t.data)) })); // as the cache returns them
  }
  const [logits] = await job.head.classify([features], signal);
  return { probabilities: softmax(logits), cacheHit };
}

export async function runClassification(job: ClassifyJob, hooks: JobHooks<ClassifyJobResult> = {}): Promise<JobOutcome<ClassifyJobResult>> {
  let estimate: JobEstimate;
  let plan: TilePlan & { stride: number };
  try {
    plan = gridPlan(job.mode === 'grid' ? job.box : { ...job.box, width: 1, height: 1 }, job.extractor.tileSize, job.mode === 'grid' ? (job.overlap ?? 0) : 0);
    estimate = await estimateClassification(job);
  } catch (e) {
    return runJob<ClassifyJobResult>('not-started', null, hooks, async () => {
      throw e;
    });
  }
  const C = job.head.classes.length;
  const begin = job.journal.begin('classify', jobHash(job), { mode: job.mode, box: job.box, head: job.head.id, backbone: job.extractor.id }, plan.count);
  return runJob<ClassifyJobResult>(begin.id, job.journal, hooks, async (ctl) => {
    ctl.emit({ type: 'estimate', jobId: begin.id, estimate });
    for (const w of estimate.warnings) ctl.warn(w);
    const meter = new ProgressMeter(begin.id, 'classify', plan.count, begin.doneUnits.size, (p) => ctl.emit({ type: 'progress', progress: p }));
    ctl.progress = { done: begin.doneUnits.size, total: plan.count };
    if (job.mode === 'aoi') {
      throwIfCancelled(ctl.signal, 'The classification');
      const r = await classifyAoi(job, ctl.signal);
      if (r?.cacheHit) meter.hit();
      job.journal.finishUnit(begin.id, 0, null);
      meter.update(1, 'done', undefined, true);
      return { label: r ? { classId: argmax(r.probabilities), probabilities: r.probabilities } : null, labelRasterPath: null, grid: null, tiles: 1, cacheHits: r?.cacheHit ? 1 : 0, classes: job.head.classes };
    }
    const ctx = { source: job.source, sourceFingerprint: job.sourceFingerprint, preparer: job.preparer, extractor: job.extractor, cache: job.cache };
    const todo: PlannedTile[] = [];
    let done = begin.doneUnits.size;
    for (let i = 0; i < plan.count; i++) {
      if (begin.doneUnits.has(i)) continue;
      const t = plan.tile(Math.floor(i / plan.cols), i % plan.cols);
      if (cellTouchesAoi(job, plan, t)) todo.push(t);
      else {
        job.journal.finishUnit(begin.id, i, null);
        done++;
      }
    }
    const batchSize = Math.max(1, job.batchSize ?? 4);
    let cacheHits = 0;
    // A batch's cached features are decoded into these and are dead once the head has classified them.
    const buffers = acquireTileBuffers();
    for (let b = 0; b < todo.length; b += batchSize) {
      throwIfCancelled(ctl.signal, 'The classification');
      const batch = todo.slice(b, b + batchSize);
      const feats = await featuresForBatch(ctx, batch.map((t) => t.window), ctl.signal, buffers);
      const hits = feats.filter((f) => f.cacheHit).length;
      cacheHits += hits;
      meter.hit(hits);
      const live = feats.map((f, i) => ({ f, t: batch[i] })).filter((x) => x.f.features !== null);
      const logits = live.length > 0 ? await job.head.classify(live.map((x) => x.f.features!), ctl.signal) : [];
      const byIndex = new Map(live.map((x, i) => [x.t.index, logits[i]]));
      for (const t of batch) {
        const l = byIndex.get(t.index);
        const payload = l ? new Uint8Array(Float32Array.from(softmax(l)).buffer) : null;
        job.journal.finishUnit(begin.id, t.index, payload);
      }
      done += batch.length;
      ctl.progress = { done, total: plan.count };
      meter.update(done);
    }
    // A job that fails or is cancelled lets its buffers go to the garbage collector instead.
    releaseTileBuffers(buffers);
    const labels = new Uint8Array(plan.count).fill(255);
    const probabilities = new Float32Array(C * plan.count);
    for (let i = 0; i < plan.count; i++) {
      const p = job.journal.unitPayload(begin.id, i);
      if (!p) continue;
      const probs = new Float32Array(new Uint8Array(p).buffer);
      let best = 0;
      for (let c = 0; c < C; c++) {
        probabilities[c * plan.count + i] = probs[c];
        if (probs[c] > probs[best]) best = c;
      }
      labels[i] = best;
    }
    const grid: LabelGrid = { cols: plan.cols, rows: plan.rows, stride: plan.stride, labels, probabilities, transform: gridTransform(job.source.info.transform, job.box, plan.stride) };
    meter.update(plan.count, 'writing', 'writing outputs', true);
    const written = job.writeGrid ? await job.writeGrid(grid) : null;
    meter.update(plan.count, 'done', undefined, true);
    return { label: null, labelRasterPath: written?.labelRasterPath ?? null, grid, tiles: todo.length, cacheHits, classes: job.head.classes };
  });
}

