// Segmentation from the app: the head from the head store, its backbone, the tiled segmentation job of the
// pipeline (feature cache, journal, blending) writing a class mask and percent probabilities as COGs into the
// engine's results folder, which are then opened like any raster and shown as layers.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { ExecutionProviderStatus, FusionStrategy, SegmentOutput, SegmentRequest } from '../../shared/contract';
import { saveResult } from './results';
import { CancelledError, deserializeError, InvalidArgumentError } from '../../shared/errors';
import type { JobEstimate } from '../../shared/jobs';
import { crsForRaster } from './crsRef';
import { checkCompatible } from '../heads/artifact/card';
import { openBackbone, type BackboneHandle } from '../heads/features/extractors';
import { makePreparer } from '../heads/features/preparer';
import { HeadPredictor } from '../heads/infer/predictor';
import { estimateSegmentation, runSegmentation, type SegmentJob } from '../jobs/segment';
import { segmentationWriter } from '../jobs/segmentOutputs';
import { rasterFingerprint } from '../jobs/sourceFingerprint';
import { tileGrid } from '../raster/tileGrid';
import type { RasterSource } from '../raster/source';
import { sha256Hex } from '../store/featureKey';
import type { LazyStore } from './engineStore';
import type { HeadStore } from './headStore';
import type { JobContext } from './jobHub';
import type { RasterRegistry } from './rasters';
import type { LoadedHead } from '../heads/artifact/io';

export interface SegmentDeps {
  readonly rasters: RasterRegistry;
  readonly heads: HeadStore;
  readonly store: LazyStore;
  readonly dataDir: string;
  readonly onProvider: (s: ExecutionProviderStatus) => void;
}

interface Prepared {
  readonly job: Omit<SegmentJob, 'write' | 'outputId'>;
  readonly head: LoadedHead;
  readonly predictor: HeadPredictor;
  readonly backbone: BackboneHandle;
  readonly source: RasterSource;
  release(): Promise<void>;
}

export function deviceStatus(device: string): ExecutionProviderStatus {
  const active = /cuda/i.test(device) ? 'cuda' : /dml|directml/i.test(device) ? 'dml' : /webgpu/i.test(device) ? 'webgpu' : 'cpu';
  return { requested: [active], active, detail: device };
}

async function prepare(r: SegmentRequest, deps: SegmentDeps, signal?: AbortSignal): Promise<Prepared> {
  if (!r.headId) throw new InvalidArgumentError('Choose a head to segment with.', 'Train one in the Training panel, or import one there.');
  const source = deps.rasters.get(r.rasterId).source;
  const head = deps.heads.load(r.headId);
  if (head.card.spec.task !== 'seg') throw new InvalidArgumentError(`The head "${head.card.name}" classifies whole tiles; choose a segmentation head.`);
  const backbone = await openBackbone(head.card.backbone.source ?? head.card.backbone.id, { tileSize: head.card.input.tileSize, batch: 2 });
  let predictor: HeadPredictor | null = null;
  try {
    checkCompatible(head.card, backbone.ref, { bandCount: source.info.bands, path: source.info.path });
    predictor = await HeadPredictor.open(head);
    const aoi = r.aoi ? { geometry: r.aoi.geometry, crs: crsForRaster(r.aoi.crs, source.info) } : null;
    const grid = tileGrid(source.info, { tileSize: 16, overlap: 0, aoi, maxTiles: Number.MAX_SAFE_INTEGER });
    const preparer = await makePreparer(source, r.bands ?? head.card.input.bands, signal);
    const overlap = Math.min(r.overlap, Math.floor(head.card.input.tileSize / 2) - 1);
    const store = deps.store.get();
    const p = predictor;
    return {
      job: {
        source, sourceFingerprint: rasterFingerprint(source.info.path), box: grid.extent,
        aoiMask: grid.aoiPixels ? (w) => grid.aoiMask(w) : undefined,
        aoiId: r.aoi ? sha256Hex(Buffer.from(JSON.stringify(r.aoi))) : undefined,
        preparer, extractor: backbone.extractor, head: p, overlap, batchSize: 2,
        journal: store.journal, cache: store.cache, timings: store.timings,
      },
      head, predictor: p, backbone, source,
      async release() {
        await p.release();
        await backbone.release();
      },
    };
  } catch (e) {
    await predictor?.release();
    await backbone.release();
    throw e;
  }
}

export async function estimateSegment(r: SegmentRequest, deps: SegmentDeps): Promise<JobEstimate> {
  const p = await prepare(r, deps);
  try {
    return await estimateSegmentation({ ...p.job, outputId: { kind: 'estimate' }, write: async () => { throw new Error('estimate only'); } } as SegmentJob);
  } finally {
    await p.release();
  }
}

export async function runSegment(r: SegmentRequest, ctx: JobContext, deps: SegmentDeps): Promise<SegmentOutput> {
  const p = await prepare(r, deps, ctx.signal);
  const resultId = randomUUID();
  const dir = join(deps.dataDir, 'results', resultId);
  await mkdir(dir, { recursive: true });
  const maskPath = join(dir, 'classes.tif');
  const probabilitiesPath = r.probabilities ? join(dir, 'probabilities.tif') : null;
  try {
    deps.onProvider(deviceStatus(p.backbone.extractor.device));
    const outcome = await runSegmentation({
      ...p.job,
      outputId: { out: maskPath, probabilities: probabilitiesPath, head: p.head.card.weights.sha256 },
      write: segmentationWriter({
        maskPath, probabilitiesPath, vectorPath: null, info: p.source.info, classes: p.predictor.classes,
        provenance: { source: p.source.info.path, model: p.backbone.ref.id, head: p.head.card.name, fusion: p.head.card.spec.fusion },
        signal: ctx.signal,
      }),
    }, { signal: ctx.signal, onEvent: (e) => ctx.report(e) });
    if (outcome.status === 'failed') throw deserializeError(outcome.reason);
    if (outcome.status === 'cancelled') throw new CancelledError('Segmentation');
    await saveResult({
      resultId, dir, maskPath, probabilitiesPath, classes: p.predictor.classes, headId: r.headId, headName: p.head.card.name,
      fusion: p.head.card.spec.fusion as FusionStrategy, model: p.backbone.ref.id, source: p.source.info.path,
    });
    const mask = await deps.rasters.open(maskPath);
    const probabilities = probabilitiesPath ? await deps.rasters.open(probabilitiesPath) : null;
    return { resultId, headId: r.headId, fusion: p.head.card.spec.fusion as FusionStrategy, classes: p.predictor.classes, mask, probabilities };
  } finally {
    await p.release();
  }
}
