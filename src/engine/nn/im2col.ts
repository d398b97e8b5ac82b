// im2col as graph ops: the [N, Ci·kh·kw, Ho·Wo] matrix of input windows, built from strided slices of the padded
// input (tap-minor, so a [Co, Ci, kh, kw] weight reshapes to its left factor). Used by the Conv weight gradient
// and by float64 graphs, for which onnxruntime has no Conv kernel.
import { InvalidArgumentError } from '../../shared/errors';
import type { Value } from './graph';
import * as op from './ops';
import { windowOut } from './infer/common';

export interface Window {
  kernel: readonly number[];
  strides: readonly number[];
  pads: readonly number[];
  dilations: readonly number[];
}

export function outputSize(x: Value, w: Window): [number, number] {
  const [h, wd] = [x.shape[2], x.shape[3]];
  if (typeof h !== 'number' || typeof wd !== 'number') throw new InvalidArgumentError(`im2col needs static spatial sizes, got ${x.toString()}.`);
  return [0, 1].map((i) => windowOut([h, wd][i], w.kernel[i], w.strides[i], w.pads[i], w.pads[i + 2], w.dilations[i]) as number) as [number, number];
}

export function im2col(x: Value, w: Window): Value {
  const g = x.graph;
  const ci = x.shape[1] as number;
  const [ho, wo] = outputSize(x, w);
  const [k, s, p, dl] = [w.kernel, w.strides, w.pads, w.dilations];
  if (k[0] === 1 && k[1] === 1 && s[0] === 1 && s[1] === 1 && p.every((v) => v === 0)) return op.reshape(x, [0, ci, -1]);
  const xp = p.some((v) => v !== 0) ? g.op1('Pad', [x, g.ints([0, 0, p[0], p[1], 0, 0, p[2], p[3]])]) : x;
  const taps: Value[] = [];
  for (let i = 0; i < k[0]; i++) {
    for (let j = 0; j < k[1]; j++) {
      const y0 = i * dl[0];
      const x0 = j * dl[1];
      taps.push(op.unsqueeze(op.slice(xp, [y0, x0], [y0 + s[0] * (ho - 1) + 1, x0 + s[1] * (wo - 1) + 1], [2, 3], [s[0], s[1]]), [2]));
    }
  }
  return op.reshape(op.concat(taps, 2), [0, ci * k[0] * k[1], -1]);
}

/** Conv as im2col + MatMul (exact; for dtypes onnxruntime's Conv lacks). */
export function convByMatMul(x: Value, weight: Value, bias: Value | undefined, w: Window): Value {
  const [co, ci] = [weight.shape[0] as number, weight.shape[1] as number];
  const [ho, wo] = outputSize(x, w);
  const y = op.reshape(op.matmul(op.reshape(weight, [co, ci * w.kernel[0] * w.kernel[1]]), im2col(x, w)), [0, co, ho, wo]);
  return bias ? op.add(y, op.reshape(bias, [co, 1, 1])) : y;
}
