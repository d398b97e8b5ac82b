// Trains a head on prepared tiles: one compiled training step (nn engine: backward + Adam + BatchNorm statistics,
// state kept in onnxruntime tensors) driven by the nn fit loop with the recipe's per-epoch warm-up + cosine
// learning rate, validation on the holdout every epoch (and before training) with an eval-mode graph fed the
// trainer's live tensors, early stopping, and the best weights kept.
//
// MoE: dense routing for the first W optimizer steps, then top-k, switched by a bool input of one training graph
// (one optimizer state across the boundary). W is the release's warm-up in training iterations (its counter ticks
// once per timestep, so 500 forwards ≈ 500/T iterations), capped at 10 % of a short run's steps so the dense phase
// keeps about the release's share of training. The step count is persisted in the card (moeSteps), unlike the
// release's non-persistent per-forward counter (which also counts validation forwards and resets on reload).
import { InvalidArgumentError, throwIfCancelled } from '../../../shared/errors';
import type { TypedArray } from '../../nn/dtype';
import { Rng } from '../../nn/rng';
import { warmupCosineLr } from '../../nn/optim/schedule';
import { serializeModel } from '../../nn/serialize';
import type { Batch, BatchSource } from '../../nn/train/data';
import { fit, type FitResult, type ProgressEvent } from '../../nn/train/loop';
import { Trainer } from '../../nn/train/trainer';
import { Session, type SessionOptions, Tensor } from '../../runtime';
import { assembleBatch, assembleCropBatch, type PackedFeatures } from '../features/bank';
import { buildHeadGraph, DROPOUT_MASK, LOGITS } from '../graph/build';
import type { MoeRouting } from '../graph/fusion';
import { CLASS_WEIGHTS, compileHeadTraining, LABELS } from '../graph/training';
import { MOE_DENSE } from '../graph/fusion';
import { medianFrequencyWeights } from '../labels/classWeights';
import { argmaxChannels, classificationMetrics, ConfusionMatrix, IGNORE_INDEX, segmentationMetrics, type ClassificationMetrics, type SegmentationMetrics } from '../metrics';
import { featureName, fusedLayout, type HeadSpec } from '../spec';
import type { Recipe } from './schedule';

export interface TrainItem {
  readonly features: PackedFeatures;
  /** seg: tile × tile class ids; cls: one class id. null: not part of this side. */
  readonly train: Uint8Array | number | null;
  readonly holdout: Uint8Array | number | null;
}

export interface TrainHeadOptions {
  readonly spec: HeadSpec;
  readonly items: readonly TrainItem[];
  readonly recipe: Recipe;
  readonly classPixels: readonly number[];
  readonly seed?: number;
  readonly threads?: number;
  readonly optimization?: SessionOptions['optimization'];
  /**
   * Segmentation: train on K×K crops of the tiles (their features cut at every scale) instead of whole tiles.
   * 'auto' (default) crops to 128 px when labels are sparse (under a quarter of the training tiles' pixels, e.g.
   * a user's polygons): a step then costs about a quarter while every crop still holds labels. The weights do not
   * depend on the spatial size, so the head is validated and used on whole tiles.
   */
  readonly crop?: number | 'auto';
  /** Start from these weights (fine-tuning); default the initialisers. */
  readonly initial?: ReadonlyMap<string, TypedArray>;
  readonly signal?: AbortSignal;
  /** Step, epoch and evaluation events of the nn fit loop; evaluations also carry the mean holdout loss. */
  readonly onProgress?: (e: ProgressEvent & { holdoutLoss?: number }) => void;
  readonly onStatus?: (message: string) => void;
}

export interface TrainedHead {
  readonly weights: Map<string, Float32Array>;
  readonly routing: MoeRouting;
  readonly steps: number;
  readonly moeSteps: number;
  /** MoE steps with dense routing (the warm-up actually used). */
  readonly moeWarmup: number;
  readonly epochs: number;
  readonly bestEpoch: number;
  readonly batch: number;
  readonly classWeights: Float32Array;
  readonly losses: readonly number[];
  readonly evaluations: readonly { step: number; metric: number }[];
  readonly holdout: SegmentationMetrics | ClassificationMetrics | null;
  readonly seconds: number;
}

/**
 * An epoch is at least this many steps: with a handful of labelled tiles (a user's first polygons) an epoch of one
 * step would make the per-epoch schedule, validation and patience meaningless.
 */
export const MIN_STEPS_PER_EPOCH = 8;

/** Seeded reshuffles of the training set, concatenated until the epoch has its steps (each sample once per pass). */
function cyclingBatches(size: number, batch: number, minSteps: number, seed: number, make: (indices: Int32Array, epoch: number) => Batch): BatchSource {
  const steps = Math.max(Math.floor(size / batch), minSteps);
  return {
    batchesPerEpoch: steps,
    *epoch(epoch: number) {
      const need = steps * batch;
      const order = new Int32Array(Math.ceil(need / size) * size);
      for (let k = 0; k * size < need; k++) order.set(new Rng(((seed * 1_000_003 + epoch) * 31 + k) >>> 0).permutation(size), k * size);
      for (let b = 0; b < steps; b++) yield make(order.subarray(b * batch, (b + 1) * batch), epoch);
    },
  };
}

const featureInputs = (spec: HeadSpec) => {
  const used = new Set(fusedLayout(spec).timesteps);
  return spec.layout.timesteps.filter((t) => used.has(t)).flatMap((t) => spec.layout.scales.map((_, k) => featureName(t, k)));
};

export async function trainHead(o: TrainHeadOptions): Promise<TrainedHead> {
  const t0 = performance.now();
  const { spec, recipe } = o;
  const seg = spec.task === 'seg';
  const train = o.items.filter((it) => it.train !== null);
  const hold = o.items.filter((it) => it.holdout !== null);
  if (train.length === 0) throw new InvalidArgumentError('There is nothing to train on: no tile has training labels.');
  const classWeights = medianFrequencyWeights(o.classPixels);
  const names = featureInputs(spec);
  const tile = spec.layout.tileSize;
  const crop = seg ? chooseCrop(spec, train, o.crop ?? 'auto') : tile;
  // training samples: (item, crop offset) pairs whose crop holds labels; whole tiles when crop = tile
  const samples: { item: TrainItem; ox: number; oy: number }[] = [];
  const stride = tile / spec.layout.scales[spec.layout.scales.length - 1]!.size;
  for (const it of train) {
    if (crop === tile) { samples.push({ item: it, ox: 0, oy: 0 }); continue; }
    const lab = it.train as Uint8Array;
    for (let oy = 0; oy + crop <= tile; oy += stride) {
      for (let ox = 0; ox + crop <= tile; ox += stride) {
        let any = false;
        for (let r = oy; r < oy + crop && !any; r++) for (let c = ox; c < ox + crop; c++) if (lab[r * tile + c] !== IGNORE_INDEX) { any = true; break; }
        if (any) samples.push({ item: it, ox, oy });
      }
    }
  }
  const batch = Math.min(recipe.batch, samples.length);
  const trainSpec = crop === tile ? spec : croppedSpec(spec, crop);
  const session: SessionOptions = { providers: ['cpu'], intraOpThreads: o.threads, optimization: o.optimization ?? 'basic' };
  const seed = o.seed ?? 0;

  let made = 0;
  let warmup = 0;
  const makeBatch = (indices: Int32Array, epoch: number) => {
    const stepIndex = made++;
    const picked = Array.from(indices, (i) => samples[i]!);
    const items = picked.map((p) => p.item);
    const feeds: Record<string, Tensor> = {};
    const assembled = crop === tile
      ? assembleBatch(items.map((it) => it.features), names)
      : assembleCropBatch(items.map((it) => it.features), names, picked.map((p) => [p.ox, p.oy] as const), crop, tile);
    for (const [name, t] of assembled) feeds[name] = Tensor.of('float32', t.data, t.shape);
    if (seg) {
      const labels = new Uint8Array(items.length * crop * crop);
      picked.forEach((p, b) => {
        const src = p.item.train as Uint8Array;
        for (let r = 0; r < crop; r++) labels.set(src.subarray((p.oy + r) * tile + p.ox, (p.oy + r) * tile + p.ox + crop), (b * crop + r) * crop);
      });
      feeds[LABELS] = Tensor.of('uint8', labels, [items.length, crop, crop]);
      if (spec.dropout > 0) {
        // Dropout2d: one keep/drop per (sample, channel), scaled by 1/(1−p); seeded by (seed, epoch, first index)
        const D = spec.widths.decoderChannels;
        const rng = new Rng((seed * 7919 + epoch * 104729 + indices[0]! * 31) >>> 0);
        const mask = new Float32Array(items.length * D);
        for (let i = 0; i < mask.length; i++) mask[i] = rng.uniform() >= spec.dropout ? 1 / (1 - spec.dropout) : 0;
        feeds[DROPOUT_MASK] = Tensor.of('float32', mask, [items.length, D, 1, 1]);
      }
    } else {
      feeds[LABELS] = Tensor.of('uint8', Uint8Array.from(items, (it) => it.train as number), [items.length]);
    }
    feeds[CLASS_WEIGHTS] = Tensor.of('float32', classWeights, [spec.numClasses]);
    if (spec.fusion === 'moe') feeds[MOE_DENSE] = Tensor.of('bool', Uint8Array.of(stepIndex < warmup ? 1 : 0), []);
    return feeds;
  };
  const data = cyclingBatches(samples.length, batch, MIN_STEPS_PER_EPOCH, seed, makeBatch);
  if (crop !== tile) o.onStatus?.(`sparse labels: training on ${samples.length} crops of ${crop}×${crop} px`);
  // The release's schedule is per epoch; short runs (budgeted comparisons) follow the same curve per step.
  const lr = (e: number) => warmupCosineLr(recipe.perStep ? e : Math.floor(e), recipe.lr);
  const totalEpochs = Math.ceil(recipe.lr.totalEpochs);
  warmup = spec.fusion === 'moe' ? Math.min(spec.moeWarmupSteps, Math.ceil(0.1 * totalEpochs * data.batchesPerEpoch)) : 0;
  const compile = () => {
    o.onStatus?.('building the training graph');
    return compileHeadTraining(trainSpec, { batch, routing: spec.fusion === 'moe' ? 'switch' : 'topk', optimizer: { kind: 'adam', weightDecay: recipe.weightDecay }, seed, weights: o.initial as ReadonlyMap<string, Float32Array> | undefined });
  };

  let evalSession: Session | null = null;
  let evalRouting: MoeRouting | null = null;
  let lastConfusion: ConfusionMatrix | null = null;
  const confusions = new Map<number, ConfusionMatrix>();
  let trainer: Trainer | null = null;
  let lastHoldoutLoss = Number.NaN;

  const validate = async (routing: MoeRouting): Promise<number> => {
    if (!evalSession || evalRouting !== routing) {
      await evalSession?.release();
      const g = buildHeadGraph(spec, { mode: 'eval', routing, seed }).graph;
      evalSession = await Session.create(serializeModel(g, { paramsAs: 'inputs' }), { ...session, label: 'the validation graph' });
      evalRouting = routing;
    }
    const cm = new ConfusionMatrix(spec.numClasses);
    let nll = 0;
    let counted = 0;
    const chunk = 8;
    for (let i = 0; i < hold.length; i += chunk) {
      throwIfCancelled(o.signal, 'Training');
      const items = hold.slice(i, i + chunk);
      const feeds: Record<string, Tensor> = {};
      for (const [name, t] of assembleBatch(items.map((it) => it.features), names)) feeds[name] = Tensor.of('float32', t.data, t.shape);
      for (const io of evalSession.inputs) if (!(io.name in feeds)) feeds[io.name] = trainer!.value(io.name);
      const out = await evalSession.run(feeds, { fetches: [LOGITS] });
      const logits = out[LOGITS]!.toFloat32();
      const C = spec.numClasses;
      if (seg) {
        const px = tile * tile;
        items.forEach((it, b) => {
          const l = logits.subarray(b * C * px, (b + 1) * C * px);
          const truth = it.holdout as Uint8Array;
          cm.add(truth, argmaxChannels(l, C, px));
          for (let i = 0; i < px; i++) {
            if (truth[i] === IGNORE_INDEX) continue;
            nll += crossEntropyAt(l, C, px, i, truth[i]!);
            counted++;
          }
        });
      } else {
        items.forEach((it, b) => {
          const row = logits.subarray(b * C, (b + 1) * C);
          let best = 0;
          for (let c = 1; c < row.length; c++) if (row[c]! > row[best]!) best = c;
          cm.add([it.holdout as number], [best]);
          nll += crossEntropyAt(row, C, 1, 0, it.holdout as number);
          counted++;
        });
      }
    }
    lastConfusion = cm;
    confusions.set(trainer!.step, cm);
    // Ties of the score (common early on, when every holdout pixel gets one class) go to the lower holdout loss;
    // 1e-9 is below the resolution of the score, so the loss never outweighs a real difference.
    const score = seg ? segmentationMetrics(cm).mIoU : classificationMetrics(cm).accuracy;
    lastHoldoutLoss = counted ? nll / counted : Number.NaN;
    return score - 1e-9 * (counted ? nll / counted : 0);
  };

  try {
    trainer = await Trainer.create(compile(), { session });
    // validation uses the routing of the step being validated (dense inside the warm-up, as the model is trained)
    const routingNow = (): MoeRouting => (spec.fusion === 'moe' && trainer!.step < warmup ? 'dense' : 'topk');
    const result: FitResult = await fit(trainer, {
      data, epochs: totalEpochs, lr, signal: o.signal, patience: hold.length ? recipe.patience : undefined,
      validate: hold.length ? () => validate(routingNow()) : undefined,
      onProgress: (e) => o.onProgress?.(e.kind === 'eval' ? { ...e, holdoutLoss: lastHoldoutLoss } : e),
    });
    const losses = result.losses;
    const evaluations = result.evaluations;
    const epochsDone = result.epochs;
    const weights = new Map<string, Float32Array>();
    for (const [k, v] of trainer.weights()) weights.set(k, v as Float32Array);
    const bestStep = result.bestStep ?? trainer.step;
    const cm = confusions.get(bestStep) ?? lastConfusion;
    const holdout = cm && cm.total > 0 ? (seg ? segmentationMetrics(cm) : classificationMetrics(cm)) : null;
    const routing: MoeRouting = spec.fusion === 'moe' && bestStep < warmup ? 'dense' : 'topk';
    return {
      weights, routing, steps: trainer.step, moeSteps: spec.fusion === 'moe' ? bestStep : 0, moeWarmup: warmup, epochs: epochsDone,
      bestEpoch: Math.round(bestStep / data.batchesPerEpoch), batch, classWeights, losses, evaluations, holdout,
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    await trainer?.release();
    await (evalSession as Session | null)?.release();
  }
}

/** The training crop: 'auto' → 128 px for sparse labels when the feature grid allows it, else the whole tile. */
function chooseCrop(spec: HeadSpec, train: readonly TrainItem[], crop: number | 'auto'): number {
  const tile = spec.layout.tileSize;
  const stride = tile / spec.layout.scales[spec.layout.scales.length - 1]!.size;
  if (crop !== 'auto') {
    if (!(crop > 0 && crop <= tile && crop % stride === 0)) throw new InvalidArgumentError(`A training crop of ${crop} px does not fit ${tile}-px tiles whose coarsest features are ${stride} px apart.`, `Use a multiple of ${stride} up to ${tile}.`);
    return crop;
  }
  let labelled = 0;
  for (const it of train) for (const v of it.train as Uint8Array) if (v !== IGNORE_INDEX) labelled++;
  const target = 128;
  if (labelled >= 0.25 * train.length * tile * tile || tile < 2 * target || target % stride !== 0) return tile;
  return target;
}

/** The same head on K×K inputs: every scale shrinks by K / tile (the weights do not depend on it). */
function croppedSpec(spec: HeadSpec, crop: number): HeadSpec {
  const f = crop / spec.layout.tileSize;
  return { ...spec, layout: { ...spec.layout, tileSize: crop, scales: spec.layout.scales.map((s) => ({ ...s, size: s.size * f })) } };
}

/** −log softmax(logits)[target] at position i of a [C, n] layout. */
function crossEntropyAt(l: Float32Array, C: number, n: number, i: number, target: number): number {
  let max = -Infinity;
  for (let c = 0; c < C; c++) max = Math.max(max, l[c * n + i]!);
  let sum = 0;
  for (let c = 0; c < C; c++) sum += Math.exp(l[c * n + i]! - max);
  return Math.log(sum) + max - l[target * n + i]!;
}
