// Convolution and linear layers with their parameters, named as PyTorch names them (`weight`, `bias`) under the
// caller's scope, so state dicts load by name.
import type { InitFn } from '../init';
import { heNormalFanOut, torchDefaultBias, torchDefaultWeight, zeros } from '../init';
import type { Value } from '../graph';
import * as op from '../ops';

export interface Conv2dOptions {
  out: number;
  kernel?: number | [number, number];
  stride?: number;
  /** Symmetric padding (default kernel ÷ 2, "same" for odd kernels at stride 1). */
  pad?: number;
  dilation?: number;
  bias?: boolean;
  /** Weight initialiser (default PyTorch's Conv2d init; detectron2 uses heNormalFanOut). */
  init?: InitFn;
  biasInit?: InitFn;
}

export function conv2d(x: Value, o: Conv2dOptions): Value {
  const g = x.graph;
  const [kh, kw] = typeof o.kernel === 'number' || o.kernel === undefined ? [o.kernel ?? 1, o.kernel ?? 1] : o.kernel;
  const cin = x.shape[1] as number;
  const dil = o.dilation ?? 1;
  const pad = o.pad ?? Math.floor(((kh - 1) * dil) / 2);
  const padW = o.pad ?? Math.floor(((kw - 1) * dil) / 2);
  const w = g.param('weight', x.dtype, [o.out, cin, kh, kw], o.init ?? torchDefaultWeight);
  const b = o.bias === false ? undefined : g.param('bias', x.dtype, [o.out], o.biasInit ?? (o.init ? zeros : torchDefaultBias(cin * kh * kw)));
  const s = o.stride ?? 1;
  return op.conv(x, w, b, { strides: [s, s], pads: [pad, padW, pad, padW], dilations: [dil, dil] });
}

/** torch.nn.Linear on the last axis: y = x·Wᵀ + b with W [out, in]. */
export function linear(x: Value, o: { out: number; bias?: boolean; init?: InitFn }): Value {
  const g = x.graph;
  const cin = x.shape[x.rank - 1] as number;
  const w = g.param('weight', x.dtype, [o.out, cin], o.init ?? torchDefaultWeight);
  const b = o.bias === false ? undefined : g.param('bias', x.dtype, [o.out], o.init ? zeros : torchDefaultBias(cin));
  if (x.rank === 2) return op.gemm(x, w, b, { transB: true });
  const y = op.matmul(x, op.transpose(w, [1, 0]));
  return b ? op.add(y, b) : y;
}

export { heNormalFanOut };
