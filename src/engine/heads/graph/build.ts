// Builds a head's ONNX graph: feature inputs (one per timestep and scale of the backbone's layout, named as the
// feature cache names them) → fusion → decoder → logits. The same builder makes training graphs (BatchNorm on
// batch statistics with updated running statistics as outputs, Dropout2d from a mask input) and inference graphs
// (BatchNorm folded into the convs, no dropout), from the same weights by the same names.
import { Graph, type Value } from '../../nn/graph';
import { type HeadSpec, featureName, fusedLayout, scaleChannels } from '../spec';
import { linearClassifier, upernet } from './decoders';
import { type FeatureInputs, fuse, type MoeRouting } from './fusion';
import type { HeadGraphContext, StateUpdate } from './layers';

export const LOGITS = 'logits';
export const DROPOUT_MASK = 'dropout_mask';

export interface BuildOptions {
  /**
   * train: batch-statistics BatchNorm (+ updated statistics as outputs), dropout mask input, fixed batch size.
   * eval: running-statistics BatchNorm with the statistics as named buffers (validation during training: the
   *   parameters can be fed to it as inputs, no rebuild per evaluation).
   * infer: BatchNorm folded into the convs from `weights` (what a trained head ships as).
   */
  readonly mode: 'train' | 'eval' | 'infer';
  /** Trained weights by name (required for inference: BatchNorm is folded at build time). */
  readonly weights?: ReadonlyMap<string, Float32Array>;
  /** MoE routing; default 'topk' (inference); training graphs use 'switch' (input moe_dense). */
  readonly routing?: MoeRouting;
  /** Segmentation output size; default the layout's tile size. */
  readonly outSize?: readonly [number, number];
  /** Also output the fused maps `fused_s1…` (tests, analysis). */
  readonly exposeFused?: boolean;
  /** Batch dimension: a number, or a symbol (default 'batch'). */
  readonly batch?: number | string;
  readonly seed?: number;
}

export interface HeadGraph {
  readonly graph: Graph;
  readonly ctx: HeadGraphContext;
  readonly features: FeatureInputs;
  readonly logits: Value;
  readonly fused: readonly Value[];
  readonly dropoutMask?: Value;
  readonly stateUpdates: readonly StateUpdate[];
}

export function buildHeadGraph(spec: HeadSpec, opts: BuildOptions): HeadGraph {
  const training = opts.mode === 'train';
  const graph = new Graph({ name: `head_${spec.task}_${spec.fusion}_${spec.size}`, seed: opts.seed ?? 0, training, weights: opts.weights });
  const ctx: HeadGraphContext = { g: graph, training, foldBatchNorm: opts.mode === 'infer', weights: opts.weights, stateUpdates: [] };
  const batch = opts.batch ?? 'batch';
  const used = new Set(fusedLayout(spec).timesteps);
  const features = new Map<string, Value>();
  for (const t of spec.layout.timesteps) {
    if (!used.has(t)) continue;
    spec.layout.scales.forEach((s, k) => {
      const name = featureName(t, k);
      features.set(name, graph.input(name, 'float32', [batch, scaleChannels(s), s.size, s.size]));
    });
  }
  const fused = fuse(ctx, spec, features, opts.routing ?? 'topk');
  let logits: Value;
  let dropoutMask: Value | undefined;
  if (spec.task === 'seg') {
    if (training && spec.dropout > 0) dropoutMask = graph.input(DROPOUT_MASK, 'float32', [batch, spec.widths.decoderChannels, 1, 1]);
    const out = opts.outSize ?? [spec.layout.tileSize, spec.layout.tileSize];
    logits = upernet(ctx, spec, fused, out, dropoutMask);
  } else {
    logits = linearClassifier(ctx, spec, fused);
  }
  graph.output(logits, LOGITS);
  if (opts.exposeFused) fused.forEach((f, i) => graph.output(f, `fused_s${i + 1}`));
  return { graph, ctx, features, logits, fused, dropoutMask, stateUpdates: ctx.stateUpdates };
}
