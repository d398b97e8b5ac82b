// The four fusions of per-(timestep, tap) features into one P-channel map per scale (method.md §3):
//   gw      one Φ per tap shared over timesteps; one learnable scalar per (timestep, tap), ONE softmax over all
//           of them across scales (so per-scale sums are < 1 and learned, as in the release)
//   lw      the same Φ; per scale a 1×1 conv on the mean projected map gives pixel-wise softmax weights over
//           the K = T·L_s projected maps (timestep-major, then tap order)
//   moe     per scale E Φ-experts on the raw concatenated taps, an image-level gate (3×3 conv → global mean →
//           ÷ learnable temperature), dense softmax mixture or top-k, mean over timesteps
//   concat  the paper's "simple concatenation" baseline, defined here (the release has none): per scale all taps
//           of all timesteps concatenated (timestep-major) → 1×1 conv (no bias) → GroupNorm → ReLU to P
// Inputs are the full feature tensors of the layout, one per (timestep, scale); taps are sliced out in-graph.
import type { Value } from '../../nn/graph';
import { ones } from '../../nn/init';
import * as op from '../../nn/ops';
import { type HeadSpec, fusedLayout, scaleChannels } from '../spec';
import { conv2d, convGn, type HeadGraphContext, param } from './layers';
import { phi } from './phi';

/**
 * MoE routing: 'dense' (softmax over all experts), 'topk', or 'switch': both, chosen per run by the bool input
 * `moe_dense` (training graphs: one graph and one optimizer state across the warm-up boundary).
 */
export type MoeRouting = 'dense' | 'topk' | 'switch';
export const MOE_DENSE = 'moe_dense';

/** features.get(`t${label}_s${k}`) → [B, C_s, H_s, W_s] in the source layout. */
export type FeatureInputs = ReadonlyMap<string, Value>;

interface TapSlice {
  readonly channels: number;
  readonly start: number;
}

/** Channel ranges of the fused layout's taps inside the source layout's tensors, per scale. */
function tapSlices(spec: HeadSpec): TapSlice[][] {
  const fused = fusedLayout(spec);
  return spec.layout.scales.map((src, s) => {
    let offset = 0;
    const starts = new Map<string, number>();
    for (const t of src.taps) {
      starts.set(t.name, offset);
      offset += t.channels;
    }
    return fused.scales[s]!.taps.map((t) => ({ channels: t.channels, start: starts.get(t.name)! }));
  });
}

function scaleInput(features: FeatureInputs, timestep: number, s: number): Value {
  const v = features.get(`t${timestep}_s${s + 1}`);
  if (!v) throw new Error(`internal: feature input t${timestep}_s${s + 1} was not declared`);
  return v;
}

/** The fused layout's taps of one (timestep, scale), each [B, c, H, W]. */
function taps(spec: HeadSpec, features: FeatureInputs, timestep: number, s: number, slices: TapSlice[][]): Value[] {
  const x = scaleInput(features, timestep, s);
  const total = scaleChannels(spec.layout.scales[s]!);
  const sl = slices[s]!;
  const contiguous = sl.every((t, i) => t.start === (i === 0 ? 0 : sl[i - 1]!.start + sl[i - 1]!.channels));
  const used = sl.reduce((n, t) => n + t.channels, 0);
  if (contiguous && used === total) return sl.length === 1 ? [x] : op.split(x, sl.map((t) => t.channels), 1);
  return sl.map((t) => op.slice(x, [t.start], [t.start + t.channels], [1]));
}

/** The fused layout's taps of one (timestep, scale) concatenated, [B, ΣC, H, W] (the source tensor when all are used). */
function scaleTensor(spec: HeadSpec, features: FeatureInputs, timestep: number, s: number, slices: TapSlice[][]): Value {
  const x = scaleInput(features, timestep, s);
  const used = slices[s]!.reduce((n, t) => n + t.channels, 0);
  if (used === scaleChannels(spec.layout.scales[s]!)) return x;
  return op.concat(taps(spec, features, timestep, s, slices), 1);
}

export function fuse(ctx: HeadGraphContext, spec: HeadSpec, features: FeatureInputs, routing: MoeRouting): Value[] {
  switch (spec.fusion) {
    case 'gw': return globalWeighted(ctx, spec, features);
    case 'lw': return localWeighted(ctx, spec, features);
    case 'moe': return mixtureOfExperts(ctx, spec, features, routing);
    case 'concat': return concatenation(ctx, spec, features);
  }
}

/**
 * Applies `fn` (whose parameters are shared) to each timestep's tensor. With a fixed batch size the timesteps are
 * stacked along the batch axis and `fn` runs once (fewer, larger ops: faster to run and to differentiate; exact,
 * since everything in Φ and the MoE gate is per-sample); with a symbolic batch it is emitted once per timestep
 * under the same scope, which reuses its parameters (layers.param).
 */
function perTimestep(xs: readonly Value[], fn: (x: Value) => Value): Value[] {
  const b = xs[0]!.shape[0];
  if (xs.length === 1) return [fn(xs[0]!)];
  if (typeof b !== 'number') return xs.map(fn);
  return op.split(fn(op.concat(xs, 0)), new Array(xs.length).fill(b), 0);
}

/** Φ of every (timestep, tap), Φ shared over timesteps: result[s][t][l]. */
function projectAll(ctx: HeadGraphContext, spec: HeadSpec, features: FeatureInputs): Value[][][] {
  const layout = fusedLayout(spec);
  const slices = tapSlices(spec);
  // Tap l of scale s uses bottleneck_layers[Σ_{s'<s} L_s' + l], for every timestep.
  const inputs = layout.timesteps.map((ts) => layout.scales.map((_, s) => taps(spec, features, ts, s, slices)));
  let base = 0;
  return layout.scales.map((scale, s) => {
    const out = layout.timesteps.map(() => [] as Value[]);
    scale.taps.forEach((_, l) => {
      const idx = base + l;
      const ys = ctx.g.scope(`bottleneck_layers.${idx}`, () => perTimestep(inputs.map((row) => row[s]![l]!), (x) => phi(ctx, x, spec.widths)));
      ys.forEach((y, t) => out[t]!.push(y));
    });
    base += scale.taps.length;
    return out;
  });
}

function globalWeighted(ctx: HeadGraphContext, spec: HeadSpec, features: FeatureInputs): Value[] {
  const layout = fusedLayout(spec);
  const L = layout.scales.reduce((n, s) => n + s.taps.length, 0);
  const T = layout.timesteps.length;
  const projected = projectAll(ctx, spec, features);
  const w = op.softmax(param(ctx, 'mixing_weights', [T * L], ones), 0);
  const weights = op.split(w, new Array(T * L).fill(1), 0);
  let base = 0;
  return layout.scales.map((scale, s) => {
    let acc: Value | undefined;
    for (let t = 0; t < T; t++) {
      scale.taps.forEach((_, l) => {
        const y = op.mul(projected[s]![t]![l]!, weights[t * L + base + l]!);
        acc = acc ? op.add(acc, y) : y;
      });
    }
    base += scale.taps.length;
    return acc!;
  });
}

function localWeighted(ctx: HeadGraphContext, spec: HeadSpec, features: FeatureInputs): Value[] {
  const layout = fusedLayout(spec);
  const projected = projectAll(ctx, spec, features);
  return layout.scales.map((_, s) => {
    const maps = projected[s]!.flat(); // timestep-major, then tap order
    const K = maps.length;
    const stacked = op.concat(maps.map((m) => op.unsqueeze(m, [1])), 1); // [B, K, P, H, W]
    const ref = op.reduceMean(stacked, [1], false);
    const logits = ctx.g.scope(`gate_modules.${s}.gate_conv`, () => conv2d(ctx, ref, K, 1, { bias: true, init: 'torch' }));
    const w = op.unsqueeze(op.softmax(logits, 1), [2]); // [B, K, 1, H, W]
    return op.reduceSum(op.mul(w, stacked), [1], false);
  });
}

function mixtureOfExperts(ctx: HeadGraphContext, spec: HeadSpec, features: FeatureInputs, routing: MoeRouting): Value[] {
  const layout = fusedLayout(spec);
  const slices = tapSlices(spec);
  const E = spec.numExperts;
  return layout.scales.map((_, s) =>
    ctx.g.scope(`scale_moes.${s}`, () => {
      const xs = layout.timesteps.map((ts) => scaleTensor(spec, features, ts, s, slices));
      const mixed = perTimestep(xs, (x) => {
        const gate = ctx.g.scope('gate_network.0', () => conv2d(ctx, x, E, 3, { bias: true, init: 'torch' }));
        const temperature = param(ctx, 'temperature', [], ones);
        const logits = op.div(op.reduceMean(gate, [2, 3], false), temperature); // [B, E]
        const weights = routing === 'dense' ? op.softmax(logits, 1)
          : routing === 'topk' ? topKSoftmax(logits, spec.topK)
            : op.where(denseSwitch(ctx), op.softmax(logits, 1), topKSoftmax(logits, spec.topK));
        const w = op.split(weights, new Array(E).fill(1), 1);
        let acc: Value | undefined;
        for (let e = 0; e < E; e++) {
          const y = ctx.g.scope(`experts.${e}`, () => phi(ctx, x, spec.widths));
          const term = op.mul(y, op.reshape(w[e]!, [-1, 1, 1, 1]));
          acc = acc ? op.add(acc, term) : term;
        }
        return acc!;
      });
      if (mixed.length === 1) return mixed[0]!;
      return op.div(mixed.reduce((a, b) => op.add(a, b)), mixed.length);
    }),
  );
}

function denseSwitch(ctx: HeadGraphContext): Value {
  return ctx.g.inputs.find((v) => v.name === MOE_DENSE) ?? ctx.g.input(MOE_DENSE, 'bool', []);
}

/**
 * Softmax over the k largest logits, zero elsewhere: logits below the k-th largest are replaced by −∞ before a
 * plain softmax. Same values as the release's topk → softmax → scatter, and only Where/Softmax carry gradients
 * (to the selected logits), so no scatter has to be differentiated.
 */
function topKSoftmax(logits: Value, k: number): Value {
  const [values] = op.topk(logits, k, 1);
  const kth = op.slice(values, [k - 1], [k], [1]);
  const keep = logits.graph.op1('GreaterOrEqual', [logits, kth]);
  return op.softmax(op.where(keep, logits, logits.graph.scalar(-Infinity)), 1);
}

function concatenation(ctx: HeadGraphContext, spec: HeadSpec, features: FeatureInputs): Value[] {
  const layout = fusedLayout(spec);
  const slices = tapSlices(spec);
  return layout.scales.map((_, s) =>
    ctx.g.scope(`concat_projs.${s}`, () => {
      const x = op.concat(layout.timesteps.map((ts) => scaleTensor(spec, features, ts, s, slices)), 1);
      return op.relu(convGn(ctx, x, spec.widths.projection, 1, spec.widths.normGroups));
    }),
  );
}
