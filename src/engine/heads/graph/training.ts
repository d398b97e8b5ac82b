// The training graph of a head: forward in training mode → weighted cross-entropy, and either the gradients of
// every trainable parameter as outputs (`grad.<param>`, for checking against PyTorch) or a whole training step
// compiled by the nn engine (backward + Adam + BatchNorm statistics, src/engine/nn/train). Inputs: the features,
// `labels` (uint8: [B, H, W] class ids for segmentation, [B] for classification; 255 = ignore), `class_weights`
// [C] and, for segmentation, `dropout_mask` [B, D, 1, 1].
import type { Value } from '../../nn/graph';
import { gradients } from '../../nn/autodiff/grad';
import type { AdamOptions } from '../../nn/optim/adam';
import { type CompiledTraining, compileTraining } from '../../nn/train/training-graph';
import type { HeadSpec } from '../spec';
import { type BuildOptions, buildHeadGraph, type HeadGraph } from './build';
import { weightedCrossEntropy } from './loss';

export const LABELS = 'labels';
export const CLASS_WEIGHTS = 'class_weights';
export const LOSS = 'loss';

export interface TrainingGraph extends HeadGraph {
  readonly loss: Value;
  readonly labels: Value;
  readonly classWeights: Value;
  /** Gradient of the loss for each trainable parameter, by parameter name. */
  readonly grads: ReadonlyMap<string, Value>;
}

function forwardWithLoss(spec: HeadSpec, opts: Omit<BuildOptions, 'mode'>) {
  const head = buildHeadGraph(spec, { ...opts, mode: 'train' });
  const batch = opts.batch ?? 'batch';
  const out = opts.outSize ?? [spec.layout.tileSize, spec.layout.tileSize];
  const labels = head.graph.input(LABELS, 'uint8', spec.task === 'seg' ? [batch, out[0], out[1]] : [batch]);
  const classWeights = head.graph.input(CLASS_WEIGHTS, 'float32', [spec.numClasses]);
  const loss = weightedCrossEntropy(head.logits, labels, classWeights, spec.numClasses);
  return { head, labels, classWeights, loss };
}

/** One training step (forward, loss, backward, Adam, BatchNorm statistics) compiled for the nn Trainer. */
export function compileHeadTraining(spec: HeadSpec, opts: Omit<BuildOptions, 'mode'> & { batch: number; optimizer?: AdamOptions }): CompiledTraining & { head: HeadGraph } {
  const { head, loss } = forwardWithLoss(spec, opts);
  const bufferUpdates = new Map(head.stateUpdates.map((u) => [u.name, u.value]));
  const compiled = compileTraining(head.graph, loss, { optimizer: opts.optimizer, bufferUpdates, metadata: { 'satdifuser.head': JSON.stringify({ task: spec.task, fusion: spec.fusion, size: spec.size }) } });
  return { ...compiled, head };
}

/** Forward + loss + every parameter's gradient as outputs (no optimizer): what the PyTorch gradient goldens check. */
export function buildTrainingGraph(spec: HeadSpec, opts: Omit<BuildOptions, 'mode'> & { outputGrads?: boolean } = {}): TrainingGraph {
  const { head, labels, classWeights, loss } = forwardWithLoss(spec, opts);
  const { graph } = head;
  graph.output(loss, LOSS);
  const params = graph.trainableParams;
  const g = gradients(loss, params);
  const grads = new Map<string, Value>();
  for (const p of params) {
    const d = g.get(p)!;
    grads.set(p.name, d);
    if (opts.outputGrads ?? true) graph.output(d, `grad.${p.name}`);
  }
  for (const u of head.stateUpdates) graph.output(u.value, `state.${u.name}`);
  return { ...head, loss, labels, classWeights, grads };
}
