// Normalisation layers. Training graphs get the decomposed forms (plain ops that autodiff differentiates);
// BatchNorm in eval mode is the ONNX op, which onnxruntime folds into the preceding conv.
import { InvalidArgumentError } from '../../../shared/errors';
import { float } from '../attrs';
import type { Value } from '../graph';
import { ones, zeros } from '../init';
import * as op from '../ops';

/** Per-channel parameter broadcast over the spatial axes of an [N, C, ...] tensor. */
function perChannel(p: Value, x: Value): Value {
  return op.reshape(p, [x.shape[1] as number, ...new Array(x.rank - 2).fill(1)]);
}

/**
 * torch.nn.GroupNorm(groups, C, eps, affine): statistics over each group of C/groups channels and all spatial
 * positions, biased variance. Parameters `weight` (ones) and `bias` (zeros).
 *
 * float32/float16 graphs normalise with one LayerNormalization over [N, groups, C/groups·H·W] (onnxruntime's fused
 * kernel, which also returns the statistics the gradient needs); float64 graphs use the decomposition, because
 * onnxruntime's float64 LayerNormalization keeps its statistics in float32.
 */
export function groupNorm(x: Value, o: { groups: number; eps?: number; affine?: boolean; impl?: 'layernorm' | 'decomposed' }): Value {
  const c = x.shape[1];
  if (typeof c !== 'number' || c % o.groups !== 0) throw new InvalidArgumentError(`GroupNorm: ${c} channels do not split into ${o.groups} groups.`, 'Use a channel count divisible by the group count (32 in detectron2 blocks).');
  const eps = o.eps ?? 1e-5;
  const g = x.graph;
  const grouped = op.reshape(x, [0, o.groups, -1]);
  const back = [0, ...x.shape.slice(1).map((d) => (typeof d === 'number' ? d : -1))];
  let xhat: Value;
  if ((o.impl ?? (x.dtype === 'float64' ? 'decomposed' : 'layernorm')) === 'layernorm') {
    const [y] = g.op('LayerNormalization', [grouped, g.constant(oneOf(x, 1), x.dtype, [1], 'ln_one'), g.constant(oneOf(x, 0), x.dtype, [1], 'ln_zero')], { axis: 2, epsilon: float(eps), stash_type: 1 }, { outputs: 3 });
    xhat = op.reshape(y, back);
  } else {
    const mean = op.reduceMean(grouped, [2]);
    const xc = op.sub(grouped, mean);
    const variance = op.reduceMean(op.mul(xc, xc), [2]);
    xhat = op.reshape(op.div(xc, op.sqrt(op.add(variance, eps))), back);
  }
  if (o.affine === false) return xhat;
  const w = g.param('weight', x.dtype, [c], ones);
  const b = g.param('bias', x.dtype, [c], zeros);
  return op.add(op.mul(xhat, perChannel(w, x)), perChannel(b, x));
}

function oneOf(x: Value, v: number): Float32Array | Float64Array | Uint16Array {
  if (x.dtype === 'float64') return Float64Array.of(v);
  if (x.dtype === 'float16') return Uint16Array.of(v === 1 ? 0x3c00 : 0);
  return Float32Array.of(v);
}

/**
 * torch.nn.BatchNorm2d. Training graphs normalise with the batch statistics (biased variance) and emit the
 * updated running statistics as buffer updates (unbiased variance, momentum 0.1 as PyTorch); eval graphs use the
 * running statistics. Parameters `weight`, `bias`; buffers `running_mean`, `running_var`.
 */
export function batchNorm(x: Value, o: { eps?: number; momentum?: number } = {}): Value {
  const g = x.graph;
  const c = x.shape[1] as number;
  const eps = o.eps ?? 1e-5;
  const m = o.momentum ?? 0.1;
  const w = g.param('weight', x.dtype, [c], ones);
  const b = g.param('bias', x.dtype, [c], zeros);
  const rm = g.buffer('running_mean', x.dtype, [c], zeros);
  const rv = g.buffer('running_var', x.dtype, [c], ones);
  if (!g.training) return g.op1('BatchNormalization', [x, w, b, rm, rv], { epsilon: float(eps) });
  const axes = [0, ...Array.from({ length: x.rank - 2 }, (_, i) => i + 2)];
  const count = axes.reduce((a, i) => a * (x.shape[i] as number), 1);
  if (!Number.isFinite(count) || count < 2) throw new InvalidArgumentError(`BatchNorm in training needs more than one value per channel, got ${x.toString()}.`, 'Use a batch of at least 2 (or a larger tile).');
  const mean = op.reduceMean(x, axes);
  const xc = op.sub(x, mean);
  const variance = op.reduceMean(op.mul(xc, xc), axes);
  const y = op.add(op.mul(op.div(xc, op.sqrt(op.add(variance, eps))), perChannel(w, x)), perChannel(b, x));
  const flat = (v: Value) => op.reshape(v, [c]);
  g.updateBuffer(rm, op.add(op.mul(rm, 1 - m), op.mul(flat(mean), m)));
  g.updateBuffer(rv, op.add(op.mul(rv, 1 - m), op.mul(flat(variance), (m * count) / (count - 1))));
  return y;
}
