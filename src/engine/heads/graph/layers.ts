// The layers the heads are made of, emitted on the nn graph builder under the release's parameter names
// (`conv1.weight`, `conv1.norm.weight`, `bottleneck.1.running_mean`, …) so weights move between PyTorch and here.
//
// Training and inference differ in one place: BatchNorm. Training graphs normalise with batch statistics and
// output the updated running statistics as new state; inference graphs fold BatchNorm into the preceding conv
// (W' = W·γ/√(σ²+ε), b' = (b−μ)·γ/√(σ²+ε) + β), so they need the trained weights at build time.
import { InvalidArgumentError } from '../../../shared/errors';
import type { Graph, ParamInit, Value } from '../../nn/graph';
import { heNormalFanOut, ones, torchDefaultBias, torchDefaultWeight, zeros } from '../../nn/init';
import * as op from '../../nn/ops';
import { groupNorm as nnGroupNorm } from '../../nn/blocks/norm';

export const GN_EPS = 1e-5;
export const BN_EPS = 1e-5;
export const BN_MOMENTUM = 0.1;

/** Updated BatchNorm statistics a training graph outputs, to be fed back as the buffers' next values. */
export interface StateUpdate {
  readonly name: string;
  readonly value: Value;
}

export interface HeadGraphContext {
  readonly g: Graph;
  readonly training: boolean;
  /** Inference: fold BatchNorm into the convs (needs `weights`); otherwise use the running statistics as buffers. */
  readonly foldBatchNorm: boolean;
  /** Trained weights by full name: required in inference mode for every folded conv+BatchNorm. */
  readonly weights?: ReadonlyMap<string, Float32Array>;
  readonly stateUpdates: StateUpdate[];
}

export type WeightInit = 'msra' | 'torch';

/**
 * A trainable parameter `<scope>.<local>`, declared on first use and returned as the same Value afterwards: Φ is
 * shared across timesteps by emitting it once per timestep under the same scope (autodiff sums the gradients).
 */
export function param(ctx: HeadGraphContext, local: string, shape: readonly number[], init: ParamInit): Value {
  const existing = ctx.g.params.get(ctx.g.qualify(local));
  if (existing) return existing.value;
  return ctx.g.param(local, 'float32', shape, init);
}

function buffer(ctx: HeadGraphContext, local: string, shape: readonly number[], init: ParamInit): Value {
  const existing = ctx.g.params.get(ctx.g.qualify(local));
  if (existing) return existing.value;
  return ctx.g.buffer(local, 'float32', shape, init);
}

/** A 2-D conv (square kernel, stride 1, same padding) with parameters `weight` (+ `bias`) in the current scope. */
export function conv2d(ctx: HeadGraphContext, x: Value, out: number, kernel: number, o: { bias: boolean; init: WeightInit }): Value {
  const cin = channelsOf(x);
  const w = param(ctx, 'weight', [out, cin, kernel, kernel], o.init === 'msra' ? heNormalFanOut : torchDefaultWeight);
  const b = o.bias ? param(ctx, 'bias', [out], o.init === 'msra' ? zeros : torchDefaultBias(cin * kernel * kernel)) : undefined;
  const p = (kernel - 1) / 2;
  return op.conv(x, w, b, { pads: [p, p, p, p] });
}

/**
 * GroupNorm with params in scope `norm`: the nn engine's normalisation core (one fused LayerNormalization over
 * [N, groups, C/groups·H·W], with its gradient rule) and the per-channel affine here, so Φ's parameters can be
 * shared across timesteps.
 */
export function groupNorm(ctx: HeadGraphContext, x: Value, groups: number): Value {
  const c = channelsOf(x);
  if (c % groups !== 0) throw new InvalidArgumentError(`GroupNorm: ${c} channels do not split into ${groups} groups.`);
  return ctx.g.scope('norm', () => {
    const gamma = param(ctx, 'weight', [c], ones);
    const beta = param(ctx, 'bias', [c], zeros);
    const normed = nnGroupNorm(x, { groups, eps: GN_EPS, affine: false });
    return op.add(op.mul(normed, op.reshape(gamma, [c, 1, 1])), op.reshape(beta, [c, 1, 1]));
  });
}

/** detectron2's Conv2d with its norm: conv (no bias, c2_msra_fill) → GroupNorm, params `weight`, `norm.*`. */
export function convGn(ctx: HeadGraphContext, x: Value, out: number, kernel: number, groups: number): Value {
  return groupNorm(ctx, conv2d(ctx, x, out, kernel, { bias: false, init: 'msra' }), groups);
}

/**
 * nn.Sequential(Conv2d(bias), BatchNorm2d, ReLU) with the release's child names `0.*` and `1.*` (mmseg UPerHead
 * blocks as SatDiFuser writes them). `convIndex`/`bnIndex` name the children (PPM branches have the pool at 0).
 */
export function convBnRelu(ctx: HeadGraphContext, x: Value, out: number, kernel: number, convIndex = 0, bnIndex = 1): Value {
  const { g } = ctx;
  if (ctx.training) {
    const y = g.scope(String(convIndex), () => conv2d(ctx, x, out, kernel, { bias: true, init: 'torch' }));
    return op.relu(g.scope(String(bnIndex), () => batchNormTrain(ctx, y)));
  }
  if (!ctx.foldBatchNorm) {
    const y = g.scope(String(convIndex), () => conv2d(ctx, x, out, kernel, { bias: true, init: 'torch' }));
    return op.relu(g.scope(String(bnIndex), () => batchNormFrozen(ctx, y)));
  }
  const cin = channelsOf(x);
  const name = (i: number, k: string) => g.qualify(`${i}.${k}`);
  const W = need(ctx, name(convIndex, 'weight'), out * cin * kernel * kernel);
  const b = need(ctx, name(convIndex, 'bias'), out);
  const gamma = need(ctx, name(bnIndex, 'weight'), out);
  const beta = need(ctx, name(bnIndex, 'bias'), out);
  const mean = need(ctx, name(bnIndex, 'running_mean'), out);
  const variance = need(ctx, name(bnIndex, 'running_var'), out);
  const wf = new Float32Array(W.length);
  const bf = new Float32Array(out);
  const per = cin * kernel * kernel;
  for (let o = 0; o < out; o++) {
    const s = gamma[o]! / Math.sqrt(variance[o]! + BN_EPS);
    for (let i = 0; i < per; i++) wf[o * per + i] = W[o * per + i]! * s;
    bf[o] = (b[o]! - mean[o]!) * s + beta[o]!;
  }
  const p = (kernel - 1) / 2;
  const wv = g.constant(wf, 'float32', [out, cin, kernel, kernel], `${g.currentScope}.folded_weight`);
  const bv = g.constant(bf, 'float32', [out], `${g.currentScope}.folded_bias`);
  return op.relu(op.conv(x, wv, bv, { pads: [p, p, p, p] }));
}

/**
 * BatchNorm2d in training mode: batch mean and biased variance normalise; the running statistics move by
 * momentum 0.1 towards the batch mean and the UNBIASED variance (PyTorch's rule) and are output as new state.
 */
export function batchNormTrain(ctx: HeadGraphContext, x: Value): Value {
  const c = channelsOf(x);
  const gamma = param(ctx, 'weight', [c], ones);
  const beta = param(ctx, 'bias', [c], zeros);
  const rm = buffer(ctx, 'running_mean', [c], zeros);
  const rv = buffer(ctx, 'running_var', [c], ones);
  const mean = op.reduceMean(x, [0, 2, 3]);
  const centred = op.sub(x, mean);
  const variance = op.reduceMean(op.mul(centred, centred), [0, 2, 3]);
  const y = op.div(centred, op.sqrt(op.add(variance, BN_EPS)));
  // n / (n - 1) with n = batch·H·W, computed in-graph because the batch dim is symbolic
  // PyTorch moves running_var towards the UNBIASED batch variance: n/(n−1) with n = batch·H·W
  const [b, , h, w] = x.shape;
  if (typeof b !== 'number') throw new InvalidArgumentError('Training graphs need a fixed batch size (BatchNorm statistics and their gradients are per batch).');
  const count = b * (h as number) * (w as number);
  const unbiased = op.mul(variance, count > 1 ? count / (count - 1) : 1);
  ctx.stateUpdates.push(
    { name: rm.name, value: op.add(op.mul(rm, 1 - BN_MOMENTUM), op.mul(op.reshape(mean, [c]), BN_MOMENTUM)) },
    { name: rv.name, value: op.add(op.mul(rv, 1 - BN_MOMENTUM), op.mul(op.reshape(unbiased, [c]), BN_MOMENTUM)) },
  );
  return op.add(op.mul(y, op.reshape(gamma, [c, 1, 1])), op.reshape(beta, [c, 1, 1]));
}

/** BatchNorm2d with its running statistics (eval mode, unfolded: the statistics stay named buffers). */
export function batchNormFrozen(ctx: HeadGraphContext, x: Value): Value {
  const c = channelsOf(x);
  const gamma = param(ctx, 'weight', [c], ones);
  const beta = param(ctx, 'bias', [c], zeros);
  const rm = buffer(ctx, 'running_mean', [c], zeros);
  const rv = buffer(ctx, 'running_var', [c], ones);
  const scale = op.div(gamma, op.sqrt(op.add(rv, BN_EPS)));
  const shift = op.sub(beta, op.mul(rm, scale));
  return op.add(op.mul(x, op.reshape(scale, [c, 1, 1])), op.reshape(shift, [c, 1, 1]));
}

/** nn.Linear with torch's default init: params `weight` [out, in] and `bias`. */
export function linear(ctx: HeadGraphContext, x: Value, out: number): Value {
  const cin = x.shape[x.rank - 1] as number;
  const w = param(ctx, 'weight', [out, cin], torchDefaultWeight);
  const b = param(ctx, 'bias', [out], torchDefaultBias(cin));
  return op.gemm(x, w, b, { transB: true });
}

export function channelsOf(x: Value): number {
  const c = x.shape[1];
  if (typeof c !== 'number') throw new InvalidArgumentError(`Value ${x.toString()} has a symbolic channel count.`);
  return c;
}

function need(ctx: HeadGraphContext, name: string, n: number): Float32Array {
  const w = ctx.weights?.get(name);
  if (!w) throw new InvalidArgumentError(`Inference graph: weight "${name}" is missing.`, 'Inference graphs fold BatchNorm into convs and need trained (or initial) weights; build them from a trained head.');
  if (w.length !== n) throw new InvalidArgumentError(`Weight "${name}" has ${w.length} values, expected ${n}.`);
  return w;
}
