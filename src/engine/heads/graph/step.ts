// One training step as one ONNX graph: forward (training mode) → loss → gradients → Adam. Parameters, Adam
// moments and BatchNorm statistics are graph inputs; their next values are outputs (`new.<name>`,
// `state.<name>`), fed back as the next step's inputs without leaving onnxruntime's tensors.
import type { HeadSpec } from '../spec';
import { type AdamOptions, type AdamState, appendAdam } from './adam';
import type { BuildOptions } from './build';
import { buildTrainingGraph, type TrainingGraph } from './training';

export interface StepGraph extends TrainingGraph {
  readonly adam: AdamState;
  /** BatchNorm statistics: buffer name → output name of its updated value. */
  readonly stateOutputs: ReadonlyMap<string, string>;
}

export function buildStepGraph(spec: HeadSpec, opts: Omit<BuildOptions, 'mode'> & { batch: number; adam?: AdamOptions }): StepGraph {
  const tg = buildTrainingGraph(spec, { ...opts, outputGrads: false });
  const adam = appendAdam(tg.graph.trainableParams, tg.grads, opts.adam);
  const stateOutputs = new Map(tg.stateUpdates.map((u) => [u.name, `state.${u.name}`]));
  return { ...tg, adam, stateOutputs };
}
