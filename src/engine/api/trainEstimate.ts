// The estimate shown before Train: how many tiles and steps the run will take (planTraining on the rasterized
// labels), how much memory the head's optimizer state, the tiles' features and a batch take, and how long it
// will last from the per-step cost measured by earlier runs on this machine (trainJob records it).
import type { TrainEstimate, TrainRequest } from '../../shared/contract';
import type { RasterInfo } from '../../shared/raster';
import { openBackbone } from '../heads/features/extractors';
import { compileHeadTraining } from '../heads/graph/training';
import type { DType } from '../nn/dtype';
import { rasterizeLabels } from '../heads/labels/vectorLabels';
import { splitHoldout } from '../heads/labels/holdout';
import { makeSpec, scaleChannels, type TapLayout } from '../heads/spec';
import { RECIPES } from '../heads/train/schedule';
import type { DeviceTimings } from '../store/deviceTimings';
import { crsForRaster } from './crsRef';
import { planTraining, type TrainPlan } from './trainPlan';

/** Training graphs run on onnxruntime's CPU provider (heads/train/trainHead.ts). */
export const TRAIN_DEVICE = 'cpu';
const STEP = 'train-step';
/**
 * The scaled fallback: seconds per step per byte of the step's graph values, over every configuration timed here.
 * Bytes track the work better than parameters (`npm run bench -- train-estimate`: after a light GW run, the faithful
 * head's scaled step time was 3.36 s against 3.44 s measured; scaling by parameters would be about 4× too long).
 */
const ANY_HEAD = 'head-train/any';
const STEP_PER_BYTE = 'train-step-per-graph-byte';

export function stepTimingKey(backbone: string, fusion: string, size: string, crop: number, batch: number): string {
  return `head-train/${backbone}/${fusion}/${size}/${crop}px/b${batch}`;
}

/** Records what a finished run cost per step, for the next estimates. */
export function recordTrainingStep(timings: DeviceTimings, key: string, secondsPerStep: number, steps: number, stepBytes: number): void {
  timings.record(key, TRAIN_DEVICE, STEP, secondsPerStep, steps);
  if (stepBytes > 0) timings.record(ANY_HEAD, TRAIN_DEVICE, STEP_PER_BYTE, secondsPerStep / stepBytes, steps);
}

/**
 * The project's labels on the raster's grid and their training side, as the heads engine makes them for one
 * raster: rasterized polygons, then held out by polygon (nearby polygons together, 8-px buffer, the run's seed).
 */
export function labelRasters(r: TrainRequest, info: RasterInfo): { all: Uint8Array; train: Uint8Array } {
  const crs = crsForRaster(r.labels.crs, info);
  const ids = r.labels.features.map((f) => f.classId);
  const { labels, unitOf } = rasterizeLabels({ polygons: r.labels.features.map((f) => ({ geometry: f.geometry, value: f.classId })), crs, field: 'class_id', path: 'project labels' }, ids, info);
  const numClasses = Math.max(2, ...ids.map((id) => id + 1), ...r.classes.map((c) => c.id + 1));
  const split = splitHoldout(labels, unitOf, info.width, info.height, numClasses, { fraction: r.holdoutFraction, bufferPx: 8, seed: r.seed, groupNearby: true });
  return { all: labels, train: split.train };
}

export function planFor(r: TrainRequest, info: RasterInfo, layout: TapLayout): TrainPlan {
  const coarsest = layout.scales[layout.scales.length - 1]!.size;
  const { all, train } = labelRasters(r, info);
  return planTraining(all, train, { width: info.width, height: info.height, tile: layout.tileSize, stride: layout.tileSize / coarsest, recipeBatch: RECIPES[r.size].batch });
}

const costs = new Map<string, { parameters: number; activationBytes: number }>();
const BYTES: Record<DType, number> = { float32: 4, float16: 2, float64: 8, int64: 8, int32: 4, bool: 1, uint8: 1, int8: 1 };

/**
 * The head as it trains (on crops of `crop` px, `batch` samples): its trainable parameters, and the bytes of every
 * value its training graph computes in one step (forward, gradients, Adam update), counted without onnxruntime's
 * buffer reuse: an upper bound of what the step allocates. On the sample scene (light GW head, 128-px crops,
 * batch 7) it counts 289 MiB where the engine process grew by 194–216 MiB during the run (two runs).
 */
export function headCost(r: TrainRequest, layout: TapLayout, crop: number, batch: number): { parameters: number; activationBytes: number } {
  const numClasses = Math.max(2, ...r.classes.map((c) => c.id + 1));
  // Building a faithful head's training graph takes seconds: the estimate and the run that follows share it.
  const key = JSON.stringify([r.fusion, r.size, numClasses, crop, batch, layout]);
  let cost = costs.get(key);
  if (!cost) {
    cost = countHeadCost(r, layout, crop, batch, numClasses);
    costs.set(key, cost);
  }
  return cost;
}

function countHeadCost(r: TrainRequest, layout: TapLayout, crop: number, batch: number, numClasses: number): { parameters: number; activationBytes: number } {
  const f = crop / layout.tileSize;
  const cropped: TapLayout = { ...layout, tileSize: crop, scales: layout.scales.map((s) => ({ ...s, size: s.size * f })) };
  const spec = makeSpec({ task: 'seg', fusion: r.fusion, size: r.size, layout: cropped, numClasses });
  const { graph } = compileHeadTraining(spec, { batch: Math.max(1, batch), routing: r.fusion === 'moe' ? 'switch' : 'topk', optimizer: { kind: 'adam', weightDecay: RECIPES[r.size].weightDecay } }).head;
  let parameters = 0;
  for (const [name, p] of graph.params) {
    if (p.trainable && !name.includes('running_')) parameters += (p.value.shape as number[]).reduce((a, b) => a * b, 1);
  }
  let activationBytes = 0;
  for (const node of graph.nodes) {
    for (const v of node.outputs) {
      if (v.shape.every((d) => typeof d === 'number')) activationBytes += (v.shape as number[]).reduce((a, b) => a * b, 1) * BYTES[v.dtype];
    }
  }
  return { parameters, activationBytes };
}

/** Bytes of the features one tile keeps in memory (float16, every tap at every timestep). */
export function tileFeatureBytes(layout: TapLayout, scale = 1): number {
  let n = 0;
  for (const s of layout.scales) n += scaleChannels(s) * (s.size * scale) ** 2;
  return n * layout.timesteps.length * 2;
}

const mib = (b: number) => `${(b / 2 ** 20).toFixed(b < 10 * 2 ** 20 ? 1 : 0)} MiB`;

export function composeEstimate(plan: TrainPlan, o: {
  parameters: number; activationBytes: number; layout: TapLayout; maxEpochs: number; extractPerTile: number | null; extractDevice: string;
  measuredStep: number | null; perByte: number | null;
}): TrainEstimate {
  const { layout } = o;
  const optimizerBytes = o.parameters * 4 * 4;
  const featureBytes = plan.tiles * tileFeatureBytes(layout);
  const batchBytes = plan.batch * tileFeatureBytes(layout, plan.crop / layout.tileSize) * 2;
  const { activationBytes } = o;
  const scaled = o.perByte !== null ? o.perByte * activationBytes : null;
  const stepSeconds = o.measuredStep ?? scaled;
  const timingSource = o.measuredStep !== null ? 'measured' : scaled !== null ? 'scaled' : 'unknown';
  const maxSteps = plan.stepsPerEpoch * o.maxEpochs;
  const extractSeconds = o.extractPerTile !== null ? o.extractPerTile * plan.tiles : null;
  const expectedSeconds = stepSeconds !== null ? stepSeconds * maxSteps + (extractSeconds ?? 0) : null;
  const timing = timingSource === 'measured' ? 'the per-step time measured by earlier runs of this head configuration on this machine'
    : timingSource === 'scaled' ? 'the per-step time of other heads trained on this machine, scaled by the bytes of a training step'
      : 'no step time yet (nothing has been trained on this machine; the first run measures it)';
  const basis = `${plan.tiles} labelled tile${plan.tiles === 1 ? '' : 's'} of ${layout.tileSize} px → ${plan.samples} training sample${plan.samples === 1 ? '' : 's'}`
    + `${plan.crop < layout.tileSize ? ` (${plan.crop}-px crops: sparse labels)` : ''}, batch ${plan.batch}, ${plan.stepsPerEpoch} steps × ${o.maxEpochs} epochs at most (early stopping ends sooner); `
    + `${o.parameters.toLocaleString('en-US')} head parameters; time from ${timing}`
    + `${extractSeconds === null && plan.tiles > 0 ? ', feature extraction not timed yet' : ''}; memory counts the Adam state, the tiles' features (${mib(featureBytes)}), one batch and every value of a training step's graph (${mib(activationBytes)}, counted without onnxruntime's buffer reuse: an upper bound).`;
  return {
    tiles: plan.tiles, samples: plan.samples, crop: plan.crop, batch: plan.batch, stepsPerEpoch: plan.stepsPerEpoch,
    maxEpochs: o.maxEpochs, maxSteps, parameters: o.parameters,
    memory: { optimizerBytes, featureBytes, batchBytes, activationBytes, totalBytes: optimizerBytes + featureBytes + batchBytes + activationBytes },
    extractSeconds, stepSeconds, expectedSeconds, timingSource, device: `${TRAIN_DEVICE} (training); ${o.extractDevice} (features)`, basis,
  };
}

export async function estimateTraining(r: TrainRequest, info: RasterInfo, timings: DeviceTimings | null): Promise<TrainEstimate> {
  const backbone = await openBackbone(r.backboneId || 'default', { tileSize: r.tileSize, batch: 1 });
  try {
    const layout = backbone.layout;
    const plan = planFor(r, info, layout);
    const { parameters, activationBytes } = headCost(r, layout, plan.crop, plan.batch);
    const { extractor } = backbone;
    const extractPerTile = timings?.get(extractor.id, extractor.device, 'extract') ?? extractor.nominalSecondsPerTile ?? null;
    const measuredStep = timings?.get(stepTimingKey(backbone.ref.id, r.fusion, r.size, plan.crop, plan.batch), TRAIN_DEVICE, STEP) ?? null;
    const perByte = timings?.get(ANY_HEAD, TRAIN_DEVICE, STEP_PER_BYTE) ?? null;
    return composeEstimate(plan, { parameters, activationBytes, layout, maxEpochs: r.maxEpochs, extractPerTile, extractDevice: extractor.device, measuredStep, perByte });
  } finally {
    await backbone.release();
  }
}
