// Segmentation of an AOI of any size. Tiles are processed a row of tiles at a time in batches; their
// logits are blended with a partition-of-unity taper (blendWindow.ts) by the RowStitcher, which emits
// final rows as soon as no later tile can touch them. Each row of tiles is one journal unit, committed
// together with the finished rows and the partial blend band it leaves, so a killed or cancelled job
// resumes at the next row of tiles and blends exactly as if it had never stopped. The outputs are written
// from the journal once every unit is done, so they are complete or absent, never half-written.
import { SatError, throwIfCancelled } from '../../shared/errors';
import type { PixelWindow } from '../../shared/geometry';
import type { JobEstimate, JobOutcome } from '../../shared/jobs';
import type { RasterSource } from '../raster/source';
import type { FeatureCache } from '../store/featureCache';
import { canonicalJson, sha256Hex } from '../store/featureKey';
import type { DeviceTimings } from '../store/deviceTimings';
import { CorruptJournalError, type JobJournal } from '../store/jobJournal';
import { tileTapers } from './blendWindow';
import { estimateJob } from './estimate';
import { headWarnings } from './guards';
import type { FeatureExtractor, InputPreparer, SegmentationHead } from './model';
import { ProgressMeter } from './progressMeter';
import { RowStitcher } from './rowStitcher';
import { runJob, type JobHooks } from './runJob';
import { decodeStrip, encodeStrip, type StoredStrip } from './stripCodec';
import { featuresForBatch } from './tileFeatures';
import { acquireTileBuffers, releaseTileBuffers } from './tileBuffers';
import { UnitBatcher } from './unitBatcher';
import { planTiles, type PlannedTile, type TilePlan } from './tilePlan';

export interface SegmentJob {
  readonly source: RasterSource;
  /** Identifies the raster file (see rasterFingerprint); part of the job's identity. */
  readonly sourceFingerprint: string;
  /** The AOI's bounding box in raster pixels, clipped to the raster. */
  readonly box: PixelWindow;
  /** 1 where a pixel of the window is inside the AOI polygon; omitted: the whole box. */
  readonly aoiMask?: (window: PixelWindow) => Uint8Array;
  /** Identifies the AOI polygon (e.g. its hash) in the job's identity; omitted: the box. */
  readonly aoiId?: string;
  readonly preparer: InputPreparer;
  readonly extractor: FeatureExtractor;
  readonly head: SegmentationHead;
  /** Default: 1/8 of the tile. */
  readonly overlap?: number;
  readonly batchSize?: number;
  readonly journal: JobJournal;
  readonly cache: FeatureCache | null;
  readonly timings?: DeviceTimings;
  /** Receives the finished strips in row order once all tiles are done (writers of the outputs). */
  readonly write: SegmentWriter;
  /** Whether strips carry class probabilities (softmax). Default: what the writer says it needs
   *  (`needsProbabilities`, e.g. a probability raster or vectors with mean_prob), else true. */
  readonly probabilities?: boolean;
  /** Anything else that identifies the outputs (paths, options): a different value is a different job. */
  readonly outputId?: unknown;
  /** Finished rows of tiles reach the journal at most this often (ms; default 1000; 0: after every row).
   *  A process killed outright redoes at most this much work; cancelled or failed jobs lose none. */
  readonly journalIntervalMs?: number;
}

export type SegmentWriter = ((strips: () => Iterable<StoredStrip>, plan: TilePlan) => Promise<SegmentWriteResult>) & {
  /** False when the writer reads only the mask: the job then skips the softmax and journals masks alone. */
  readonly needsProbabilities?: boolean;
};

export interface SegmentWriteResult {
  readonly maskPath: string;
  readonly probabilitiesPath: string | null;
  readonly vectorPath: string | null;
  readonly featureCount: number | null;
}

export interface SegmentJobResult extends SegmentWriteResult {
  readonly tiles: number;
  readonly cacheHits: number;
  readonly extractedTiles: number;
  readonly resumedTiles: number;
  readonly pixelsPerClass: Record<number, number>;
  readonly classes: SegmentationHead['classes'];
}

export const wantsProbabilities = (job: Pick<SegmentJob, 'probabilities' | 'write'>): boolean => job.probabilities ?? job.write.needsProbabilities ?? true;

export function segmentJobHash(job: Pick<SegmentJob, 'sourceFingerprint' | 'box' | 'aoiId' | 'preparer' | 'extractor' | 'head' | 'overlap' | 'outputId' | 'probabilities' | 'write'>, tileSize: number, overlap: number): string {
  return sha256Hex(
    canonicalJson({
      kind: 'segment',
      source: job.sourceFingerprint,
      box: job.box,
      aoi: job.aoiId ?? null,
      bands: job.preparer.bands,
      norm: job.preparer.descriptor,
      backbone: [job.extractor.id, job.extractor.weightsHash, job.extractor.settings],
      head: [job.head.id, job.head.classes.length],
      tileSize,
      overlap,
      // A journal of masks alone cannot finish a job that writes probabilities.
      probabilities: wantsProbabilities(job),
      out: job.outputId ?? null,
    }),
  );
}

/** Adds the pixels of each class value in `mask` to `histogram` (256 bins). A module-level function, not a loop in
 *  the job's closures: V8 keeps a function's optimised code only while the function object lives, so a loop in a
 *  closure made per job ran unoptimised at the start of every job that followed a full garbage collection. */
function countClasses(mask: Uint8Array, histogram: Float64Array): void {
  for (let i = 0; i < mask.length; i++) histogram[mask[i]]++;
}

function tileTouchesAoi(job: SegmentJob, t: PlannedTile): boolean {
  if (!job.aoiMask) return true;
  const x0 = Math.max(t.window.x, job.box.x);
  const y0 = Math.max(t.window.y, job.box.y);
  const x1 = Math.min(t.window.x + t.window.width, job.box.x + job.box.width);
  const y1 = Math.min(t.window.y + t.window.height, job.box.y + job.box.height);
  if (x1 <= x0 || y1 <= y0) return false;
  return job.aoiMask({ x: x0, y: y0, width: x1 - x0, height: y1 - y0 }).some((v) => v !== 0);
}

export function planSegmentation(job: SegmentJob): TilePlan {
  const tileSize = job.extractor.tileSize;
  return planTiles(job.box, job.source.info, tileSize, job.overlap ?? Math.round(tileSize / 8));
}

export async function estimateSegmentation(job: SegmentJob): Promise<JobEstimate> {
  const plan = planSegmentation(job);
  return estimateJob({
    kind: 'segment',
    plan,
    info: job.source.info,
    box: job.box,
    aoiMask: job.aoiMask,
    preparer: job.preparer,
    extractor: job.extractor,
    headId: job.head.id,
    headSeconds: job.head.nominalSecondsPerTile,
    batchSize: job.batchSize ?? 4,
    cache: job.cache,
    sourceFingerprint: job.sourceFingerprint,
    timings: job.timings,
    journal: job.journal,
    jobHash: segmentJobHash(job, plan.tileSize, plan.overlap),
    warnings: headWarnings(job.source.info, job.preparer, job.head.expects),
    includeTile: (t) => tileTouchesAoi(job, t),
  });
}

export async function runSegmentation(job: SegmentJob, hooks: JobHooks<SegmentJobResult> = {}): Promise<JobOutcome<SegmentJobResult>> {
  let plan: TilePlan;
  let estimate: JobEstimate;
  let jobHash: string;
  try {
    plan = planSegmentation(job);
    jobHash = segmentJobHash(job, plan.tileSize, plan.overlap);
    estimate = await estimateSegmentation(job);
  } catch (e) {
    return runJob<SegmentJobResult>('not-started', null, hooks, async () => {
      throw e;
    });
  }
  const classes = job.head.classes.length;
  const begin = job.journal.begin('segment', jobHash, { box: job.box, tileSize: plan.tileSize, overlap: plan.overlap, head: job.head.id, backbone: job.extractor.id }, plan.rows);
  return runJob<SegmentJobResult>(begin.id, job.journal, hooks, async (ctl) => {
    ctl.emit({ type: 'estimate', jobId: begin.id, estimate });
    for (const w of estimate.warnings) ctl.warn(w);
    const probabilities = wantsProbabilities(job);
    const stitcher = new RowStitcher({ box: job.box, classes, tileSize: plan.tileSize, aoiMask: job.aoiMask, probabilities });
    // Resume: the finished rows of tiles must be a prefix 0..k-1 with the band state of row k-1.
    let firstRow = 0;
    while (begin.doneUnits.has(firstRow)) firstRow++;
    if (firstRow > 0) {
      try {
        const band = job.journal.state(begin.id, 'band');
        if (!band) throw new CorruptJournalError(begin.id, 'missing band');
        stitcher.restore(band);
        if (stitcher.top !== (firstRow < plan.rows ? Math.max(job.box.y, plan.ys[firstRow]) : job.box.y + job.box.height)) throw new CorruptJournalError(begin.id, 'band position');
        ctl.warn({ code: 'RESUMED', message: `Resuming an interrupted run: ${firstRow} of ${plan.rows} rows of tiles were already done.` });
      } catch (e) {
        if (!(e instanceof CorruptJournalError) && !(e instanceof RangeError)) throw e;
        job.journal.resetUnits(begin.id);
        firstRow = 0;
        stitcher.reset();
      }
    }
    const resumedTiles = firstRow * plan.cols;
    const meter = new ProgressMeter(begin.id, 'segment', plan.count, resumedTiles, (p) => ctl.emit({ type: 'progress', progress: p }));
    ctl.progress = { done: resumedTiles, total: plan.count };
    meter.update(resumedTiles, 'tiles', undefined, true);
    const batchSize = Math.max(1, job.batchSize ?? 4);
    let cacheHits = 0;
    let extracted = 0;
    let extractSeconds = 0;
    let headSeconds = 0;
    let headTiles = 0;
    // The batch's cached features are decoded into these and are dead once its logits are blended.
    const buffers = acquireTileBuffers();
    const finished = new UnitBatcher(job.journal, begin.id, job.journalIntervalMs ?? 1000);
    try {
      for (let r = firstRow; r < plan.rows; r++) {
        const tiles: PlannedTile[] = [];
        for (let c = 0; c < plan.cols; c++) {
          const t = plan.tile(r, c);
          if (tileTouchesAoi(job, t)) tiles.push(t);
        }
        for (let b = 0; b < tiles.length; b += batchSize) {
          throwIfCancelled(ctl.signal, 'The segmentation');
          const batch = tiles.slice(b, b + batchSize);
          const t0 = performance.now();
          const feats = await featuresForBatch(
            { source: job.source, sourceFingerprint: job.sourceFingerprint, preparer: job.preparer, extractor: job.extractor, cache: job.cache },
            batch.map((t) => t.window),
            ctl.signal,
            buffers,
          );
          const t1 = performance.now();
          const misses = feats.filter((f) => f.features && !f.cacheHit).length;
          const hits = feats.filter((f) => f.cacheHit).length;
          cacheHits += hits;
          meter.hit(hits);
          if (misses > 0) {
            extracted += misses;
            extractSeconds += (t1 - t0) / 1000;
          }
          const live = feats.map((f, i) => ({ f, t: batch[i] })).filter((x) => x.f.features !== null);
          if (live.length > 0) {
            const t2 = performance.now();
            const logits = await job.head.predict(live.map((x) => x.f.features!), { width: plan.tileSize, height: plan.tileSize }, ctl.signal);
            headSeconds += (performance.now() - t2) / 1000;
            headTiles += live.length;
            if (logits.length !== live.length) throw new Error(`head ${job.head.id} returned ${logits.length} outputs for ${live.length} tiles`);
            live.forEach((x, i) => {
              if (logits[i].length !== classes * plan.tileSize * plan.tileSize) throw new Error(`head ${job.head.id} returned ${logits[i].length} logits for a ${plan.tileSize}² tile of ${classes} classes`);
              stitcher.addTile(x.t.window, logits[i], x.f.valid, tileTapers(plan.tileSize, x.t.overlap));
            });
          }
          // Tiles outside the AOI polygon count as done at once.
          const done = r * plan.cols + (plan.cols - tiles.length) + b + batch.length;
          ctl.progress = { done, total: plan.count };
          meter.update(done);
        }
        throwIfCancelled(ctl.signal, 'The segmentation');
        const nextTop = r + 1 < plan.rows ? Math.max(job.box.y, plan.ys[r + 1]) : job.box.y + job.box.height;
        const strip = stitcher.finalizeUpTo(nextTop);
        finished.finish(r, strip ? encodeStrip(strip, classes) : null, [{ name: 'band', payload: stitcher.bandState() }], r === plan.rows - 1);
        ctl.progress = { done: (r + 1) * plan.cols, total: plan.count };
        meter.update((r + 1) * plan.cols);
      }
    } catch (e) {
      // Cancelled or failed: the rows finished so far are kept, with the band as it was after the last of them.
      try {
        finished.flush();
      } catch {
        // the job's own error is the one to report
      }
      throw e;
    }
    // A job that fails or is cancelled lets its buffers and band go to the garbage collector instead.
    releaseTileBuffers(buffers);
    stitcher.release();
    if (job.timings && extracted > 0) job.timings.record(job.extractor.id, job.extractor.device, 'extract', extractSeconds / extracted, extracted);
    if (job.timings && headTiles > 0) job.timings.record(job.head.id, job.extractor.device, 'head', headSeconds / headTiles, headTiles);

    const histogram = new Float64Array(256);
    const journal = job.journal;
    function* strips(): Iterable<StoredStrip> {
      for (let r = 0; r < plan.rows; r++) {
        const p = journal.unitPayload(begin.id, r);
        if (!p) continue;
        const s = decodeStrip(p);
        countClasses(s.mask, histogram);
        yield s;
      }
    }
    meter.update(plan.count, 'writing', 'writing outputs', true);
    let written: SegmentWriteResult;
    try {
      written = await job.write(strips, plan);
    } catch (e) {
      if (e instanceof CorruptJournalError) {
        job.journal.resetUnits(begin.id);
        throw new SatError('IO_ERROR', 'The journal of this job was damaged; its finished tiles were discarded.', { hint: 'Run the same command again: the job restarts from the beginning (cached features make it fast).' });
      }
      throw e;
    }
    job.journal.dropPayloads(begin.id);
    const pixelsPerClass: Record<number, number> = {};
    for (let c = 0; c < 255; c++) if (histogram[c] > 0) pixelsPerClass[c] = histogram[c];
    meter.update(plan.count, 'done', undefined, true);
    return { ...written, tiles: plan.count, cacheHits, extractedTiles: extracted, resumedTiles, pixelsPerClass, classes: job.head.classes };
  });
}
