// The layers diffusers models are made of, emitted on the nn graph builder with torch-style parameter names
// (scope + "weight"/"bias") so they load from checkpoints by name. Choices made for onnxruntime's CPU path:
// GroupNorm as InstanceNormalization over [B, G, C/G·H·W] + per-channel affine (the pattern PyTorch's exporter
// uses; ORT runs it fast), Linear as MatMul with the transposed weight (folded at session start) or Gemm for 2-D
// inputs, GELU as the erf formula ORT fuses into one Gelu kernel.
import { SatError } from '../../shared/errors';
import { float } from '../nn/attrs';
import type { Graph, Value } from '../nn/graph';
import { add, concat, conv as convOp, div, matmul, mul, reshape, sigmoid, slice, softmax, split, transpose } from '../nn/ops';
import type { WeightSource } from './weightSource';

export class NetBuilder {
  constructor(
    readonly g: Graph,
    readonly weights: WeightSource,
  ) {}

  scope<T>(name: string, fn: () => T): T {
    return this.g.scope(name, fn);
  }

  param(local: string, shape: readonly number[]): Value {
    const name = this.g.qualify(local);
    this.weights.expect(name, shape);
    return this.g.param(local, 'float32', shape, () => {
      throw new SatError('INTERNAL', `Weight "${name}" was declared but not loaded.`);
    });
  }

  conv(x: Value, cin: number, cout: number, k: number, o: { stride?: number; pads?: number[]; bias?: boolean } = {}): Value {
    const w = this.param('weight', [cout, cin, k, k]);
    const b = o.bias === false ? undefined : this.param('bias', [cout]);
    const p = (k - 1) >> 1;
    return convOp(x, w, b, { strides: [o.stride ?? 1, o.stride ?? 1], pads: o.pads ?? [p, p, p, p] });
  }

  /** x[..., cin] · Wᵀ + b with W [cout, cin] as torch stores it. */
  linear(x: Value, cin: number, cout: number, bias = true): Value {
    const w = this.param('weight', [cout, cin]);
    const b = bias ? this.param('bias', [cout]) : undefined;
    if (x.rank === 2) return this.g.op1('Gemm', [x, w, b], { transB: 1 });
    if (b && x.rank === 3 && typeof x.shape[1] === 'number') {
      // Tokens [B, N, C] as a [B·N, C] Gemm: ORT adds the bias inside the GEMM (no separate Add pass over the
      // output; ORT does not fuse MatMul+Add for 3-D inputs) and prepacks Wᵀ as it does for MatMul. The
      // Reshapes alias their input.
      const y = this.g.op1('Gemm', [reshape(x, [-1, cin]), w, b], { transB: 1 });
      return reshape(y, [-1, x.shape[1], cout]);
    }
    const y = matmul(x, transpose(w, [1, 0]));
    return b ? add(y, b) : y;
  }

  /** torch.nn.GroupNorm on NCHW with static C, H, W (batch may be symbolic). */
  groupNorm(x: Value, channels: number, groups: number, eps: number): Value {
    const [, c, h, w] = x.shape;
    if (c !== channels || typeof h !== 'number' || typeof w !== 'number') throw new SatError('INTERNAL', `groupNorm needs static [B, ${channels}, H, W], got [${x.shape.join(', ')}]`);
    const gamma = this.param('weight', [channels]);
    const beta = this.param('bias', [channels]);
    const grouped = reshape(x, [0, groups, -1]);
    const ones = this.g.constant(new Float32Array(groups).fill(1), 'float32', [groups], 'gn_one');
    const zeros = this.g.constant(new Float32Array(groups), 'float32', [groups], 'gn_zero');
    const normed = this.g.op1('InstanceNormalization', [grouped, ones, zeros], { epsilon: eps });
    const back = reshape(normed, [0, channels, h, w]);
    return add(mul(back, reshape(gamma, [channels, 1, 1])), reshape(beta, [channels, 1, 1]));
  }

  layerNorm(x: Value, dim: number, eps: number): Value {
    const gamma = this.param('weight', [dim]);
    const beta = this.param('bias', [dim]);
    return this.g.op1('LayerNormalization', [x, gamma, beta], { axis: -1, epsilon: eps }, { outputs: 1 });
  }
}

export function silu(x: Value): Value {
  return mul(x, sigmoid(x));
}

/** Exact (erf) GELU, in the node order ORT's Gelu fusion matches. */
export function gelu(x: Value): Value {
  const g = x.graph;
  const e = g.op1('Erf', [div(x, Math.SQRT2)]);
  return mul(mul(x, add(e, 1)), 0.5);
}

export function quickGelu(x: Value): Value {
  return mul(x, sigmoid(mul(x, 1.702)));
}

/**
 * Multi-head scaled dot-product attention on [B, N, heads·dh] queries and [B, M, heads·dh] keys/values:
 * softmax(q·kᵀ·scale + mask)·v, heads split channel-major (channel = head·dh + d) as diffusers and HF do.
 */
export function attention(q: Value, k: Value, v: Value, heads: number, scale: number, mask?: Value): Value {
  const [, n, inner] = q.shape as [unknown, number, number];
  const m = k.shape[1] as number;
  const dh = inner / heads;
  const qh = transpose(reshape(q, [0, n, heads, dh]), [0, 2, 1, 3]);
  const kh = transpose(reshape(k, [0, m, heads, dh]), [0, 2, 3, 1]);
  const vh = transpose(reshape(v, [0, m, heads, dh]), [0, 2, 1, 3]);
  let scores = mul(matmul(qh, kh), scale);
  if (mask) scores = add(scores, mask);
  const out = matmul(softmax(scores, -1), vh);
  return reshape(transpose(out, [0, 2, 1, 3]), [0, n, inner]);
}

/**
 * The same attention (no mask) as onnxruntime's contrib MultiHeadAttention kernel (com.microsoft domain): one fused
 * CPU kernel instead of reshapes, transposes, two MatMuls and a Softmax. Only onnxruntime runs this op.
 */
export function fusedAttention(q: Value, k: Value, v: Value, heads: number, scale: number): Value {
  return q.graph.op1('MultiHeadAttention', [q, k, v], { num_heads: heads, scale: float(scale) }, { domain: 'com.microsoft', outputTypes: [{ dtype: q.dtype, shape: q.shape }] });
}

/** diffusers GEGLU: proj → (hidden, gate) halves along the last axis → hidden · gelu(gate). */
export function geglu(b: NetBuilder, x: Value, dim: number, inner: number): Value {
  if (x.rank === 3 && typeof x.shape[1] === 'number') {
    // Two Gemms on the halves of the weight instead of one Gemm and a Split: ORT folds the constant Slices into
    // two initializers at load, so no pass copies the [B·N, 2·inner] projection apart (same dot products).
    const n = x.shape[1];
    const { w, bias } = b.scope('proj', () => ({ w: b.param('weight', [inner * 2, dim]), bias: b.param('bias', [inner * 2]) }));
    const flat = reshape(x, [-1, dim]);
    const half = (k: number) => b.g.op1('Gemm', [flat, slice(w, [k * inner], [(k + 1) * inner], [0]), slice(bias, [k * inner], [(k + 1) * inner], [0])], { transB: 1 });
    return reshape(mul(half(0), gelu(half(1))), [-1, n, inner]);
  }
  const h = b.scope('proj', () => b.linear(x, dim, inner * 2));
  const [hidden, gate] = split(h, [inner, inner], -1);
  return mul(hidden, gelu(gate));
}

export { concat };
