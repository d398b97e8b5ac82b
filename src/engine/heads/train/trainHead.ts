// Trains a head on prepared tiles: one compiled training step (nn engine: backward + Adam + BatchNorm statistics,
// state kept in onnxruntime tensors) driven by the nn fit loop with the recipe's per-epoch warm-up + cosine
// learning rate, validation on the holdout every epoch (and before training) with an eval-mode graph fed the
// trainer's live tensors, early stopping, and the best weights kept.
//
// MoE: dense routing for the first `moeWarmupSteps` optimizer steps (rounded up to whole epochs), then top-k, as
// two compiled graphs sharing one state. The step count is real training steps, persisted in the card, unlike the
// release's non-persistent per-forward counter (which also counts validation forwards and resets on reload).
import { InvalidArgumentError, throwIfCancelled } from '../../../shared/errors';
import type { TypedArray } from '../../nn/dtype';
import { Rng } from '../../nn/rng';
import { warmupCosineLr } from '../../nn/optim/schedule';
import { serializeModel } from '../../nn/serialize';
import { indexedBatches } from '../../nn/train/data';
import { fit, type FitResult, type ProgressEvent } from '../../nn/train/loop';
import { Trainer } from '../../nn/train/trainer';
import { Session, type SessionOptions, Tensor } from '../../runtime';
import { assembleBatch, type PackedFeatures } from '../features/bank';
import { buildHeadGraph, DROPOUT_MASK, LOGITS } from '../graph/build';
import type { MoeRouting } from '../graph/fusion';
import { CLASS_WEIGHTS, compileHeadTraining, LABELS } from '../graph/training';
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
  /** Start from these weights (fine-tuning); default the initialisers. */
  readonly initial?: ReadonlyMap<string, TypedArray>;
  readonly signal?: AbortSignal;
  readonly onProgress?: (e: ProgressEvent & { phase?: string }) => void;
  readonly onStatus?: (message: string) => void;
}

export interface TrainedHead {
  readonly weights: Map<string, Float32Array>;
  readonly routing: MoeRouting;
  readonly steps: number;
  readonly moeSteps: number;
  readonly epochs: number;
  readonly bestEpoch: number;
  readonly batch: number;
  readonly classWeights: Float32Array;
  readonly losses: readonly number[];
  readonly evaluations: readonly { step: number; metric: number }[];
  readonly holdout: SegmentationMetrics | ClassificationMetrics | null;
  readonly seconds: number;
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
  const batch = Math.min(recipe.batch, train.length);
  const classWeights = medianFrequencyWeights(o.classPixels);
  const names = featureInputs(spec);
  const tile = spec.layout.tileSize;
  const session: SessionOptions = { providers: ['cpu'], intraOpThreads: o.threads, optimization: o.optimization ?? 'basic' };
  const seed = o.seed ?? 0;

  const makeBatch = (indices: Int32Array, epoch: number) => {
    const items = Array.from(indices, (i) => train[i]!);
    const feeds: Record<string, Tensor> = {};
    for (const [name, t] of assembleBatch(items.map((it) => it.features), names)) feeds[name] = Tensor.of('float32', t.data, t.shape);
    if (seg) {
      const labels = new Uint8Array(items.length * tile * tile);
      items.forEach((it, b) => labels.set(it.train as Uint8Array, b * tile * tile));
      feeds[LABELS] = Tensor.of('uint8', labels, [items.length, tile, tile]);
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
    return feeds;
  };
  const data = indexedBatches({ size: train.length, batchSize: batch, make: makeBatch, seed, shuffle: true });
  const lr = (e: number) => warmupCosineLr(Math.floor(e), recipe.lr);
  const totalEpochs = recipe.lr.totalEpochs;

  // MoE: dense phase length in whole epochs
  const denseEpochs = spec.fusion === 'moe' ? Math.min(totalEpochs, Math.ceil(spec.moeWarmupSteps / data.batchesPerEpoch)) : 0;
  const compile = (routing: MoeRouting) => {
    o.onStatus?.(`building the ${routing === 'dense' && spec.fusion === 'moe' ? 'dense-routing ' : ''}training graph`);
    return compileHeadTraining(spec, { batch, routing, optimizer: { kind: 'adam', weightDecay: recipe.weightDecay }, seed, weights: o.initial as ReadonlyMap<string, Float32Array> | undefined });
  };

  let evalSession: Session | null = null;
  let evalRouting: MoeRouting | null = null;
  let lastConfusion: ConfusionMatrix | null = null;
  const confusions = new Map<number, ConfusionMatrix>();
  let trainer: Trainer | null = null;

  const validate = async (routing: MoeRouting): Promise<number> => {
    if (!evalSession || evalRouting !== routing) {
      await evalSession?.release();
      const g = buildHeadGraph(spec, { mode: 'eval', routing, seed }).graph;
      evalSession = await Session.create(serializeModel(g, { paramsAs: 'inputs' }), { ...session, label: 'the validation graph' });
      evalRouting = routing;
    }
    const cm = new ConfusionMatrix(spec.numClasses);
    const chunk = 8;
    for (let i = 0; i < hold.length; i += chunk) {
      throwIfCancelled(o.signal, 'Training');
      const items = hold.slice(i, i + chunk);
      const feeds: Record<string, Tensor> = {};
      for (const [name, t] of assembleBatch(items.map((it) => it.features), names)) feeds[name] = Tensor.of('float32', t.data, t.shape);
      for (const io of evalSession.inputs) if (!(io.name in feeds)) feeds[io.name] = trainer!.value(io.name);
      const out = await evalSession.run(feeds, { fetches: [LOGITS] });
      const logits = out[LOGITS]!.toFloat32();
      if (seg) {
        const px = tile * tile;
        items.forEach((it, b) => cm.add(it.holdout as Uint8Array, argmaxChannels(logits.subarray(b * spec.numClasses * px, (b + 1) * spec.numClasses * px), spec.numClasses, px)));
      } else {
        items.forEach((it, b) => {
          const row = logits.subarray(b * spec.numClasses, (b + 1) * spec.numClasses);
          let best = 0;
          for (let c = 1; c < row.length; c++) if (row[c]! > row[best]!) best = c;
          cm.add([it.holdout as number], [best]);
        });
      }
    }
    lastConfusion = cm;
    confusions.set(trainer!.step, cm);
    return seg ? segmentationMetrics(cm).mIoU : classificationMetrics(cm).accuracy;
  };

  let result: FitResult | null = null;
  let routing: MoeRouting = 'topk';
  let epochsDone = 0;
  const losses: number[] = [];
  const evaluations: { step: number; metric: number }[] = [];
  try {
    if (denseEpochs > 0) {
      routing = 'dense';
      trainer = await Trainer.create(compile('dense'), { session: { ...session, label: 'the training graph (dense routing)' } });
      const r = await fit(trainer, { data, epochs: denseEpochs, lr, signal: o.signal, onProgress: (e) => o.onProgress?.({ ...e, phase: 'dense routing' }) });
      losses.push(...r.losses);
      epochsDone = denseEpochs;
      if (denseEpochs < totalEpochs) {
        const state = trainer.fullState();
        const step = trainer.step;
        await trainer.release();
        trainer = await Trainer.create(compile('topk'), { session, initial: state, step });
        routing = 'topk';
      }
    } else {
      trainer = await Trainer.create(compile('topk'), { session });
    }
    const remaining = totalEpochs - epochsDone;
    if (remaining > 0) {
      const offset = epochsDone;
      result = await fit(trainer, {
        data, epochs: remaining, lr: (e) => lr(e + offset), signal: o.signal, patience: hold.length ? recipe.patience : undefined,
        validate: hold.length ? () => validate(routing) : undefined,
        onProgress: (e) => o.onProgress?.({ ...e, epoch: e.epoch + offset } as ProgressEvent),
      });
      losses.push(...result.losses);
      evaluations.push(...result.evaluations);
      epochsDone += result.epochs;
    } else if (hold.length) {
      evaluations.push({ step: trainer.step, metric: await validate(routing) });
    }
    const weights = new Map<string, Float32Array>();
    for (const [k, v] of trainer.weights()) weights.set(k, v as Float32Array);
    const bestStep = result?.bestStep ?? trainer.step;
    const cm = confusions.get(bestStep) ?? lastConfusion;
    const holdout = cm && cm.total > 0 ? (seg ? segmentationMetrics(cm) : classificationMetrics(cm)) : null;
    return {
      weights, routing, steps: trainer.step, moeSteps: spec.fusion === 'moe' ? bestStep : 0, epochs: epochsDone,
      bestEpoch: Math.round(bestStep / data.batchesPerEpoch), batch, classWeights, losses, evaluations, holdout,
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    await trainer?.release();
    await (evalSession as Session | null)?.release();
  }
}

export { IGNORE_INDEX };
