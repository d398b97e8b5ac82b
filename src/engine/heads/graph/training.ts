// The training graph of a head: forward in training mode → weighted cross-entropy → gradients of every trainable
// parameter (reverse-mode autodiff emitted as ONNX, src/engine/nn/autodiff). Inputs: the features, `labels`
// (uint8: [B, H, W] class ids for segmentation, [B] for classification; 255 = ignore), `class_weights` [C] and,
// for segmentation, `dropout_mask` [B, D, 1, 1]. Outputs: `loss`, `grad.<param>` per parameter and
// `state.<buffer>` (updated BatchNorm statistics).
import type { Value } from '../../nn/graph';
import { gradients } from '../../nn/autodiff/grad';
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

export function buildTrainingGraph(spec: HeadSpec, opts: Omit<BuildOptions, 'mode'> & { outputGrads?: boolean } = {}): TrainingGraph {
  const head = buildHeadGraph(spec, { ...opts, mode: 'train' });
  const { graph } = head;
  const batch = opts.batch ?? 'batch';
  const out = opts.outSize ?? [spec.layout.tileSize, spec.layout.tileSize];
  const labels = graph.input(LABELS, 'uint8', spec.task === 'seg' ? [batch, out[0], out[1]] : [batch]);
  const classWeights = graph.input(CLASS_WEIGHTS, 'float32', [spec.numClasses]);
  const loss = weightedCrossEntropy(head.logits, labels, classWeights, spec.numClasses);
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
