// Helpers shared by the shape-inference rules.
import { InvalidArgumentError } from '../../../shared/errors';
import type { Attr } from '../attrs';
import type { DType } from '../dtype';
import type { Value } from '../graph';
import type { Shape } from '../shape';

export interface OutType { dtype: DType; shape: Shape }
export type Inputs = readonly (Value | undefined)[];
export type Attrs = Readonly<Record<string, Attr>>;
export type Rule = (ins: Inputs, attrs: Attrs, nOut: number) => OutType[];

export function need(ins: Inputs, i: number, what: string): Value {
  const v = ins[i];
  if (!v) throw new InvalidArgumentError(`input ${i} (${what}) is missing.`);
  return v;
}

/** The integer values of a constant input (int64/int32), for shapes, axes, pads, split sizes... */
export function constInts(v: Value | undefined, what: string): number[] | undefined {
  if (!v) return undefined;
  const d = v.constData;
  if (!d) {
    throw new InvalidArgumentError(`${what} must be a constant for shape inference, but "${v.name}" is computed.`,
      'Pass it as a constant (graph.ints), or give the op explicit outputTypes.');
  }
  if (d instanceof BigInt64Array) return Array.from(d, (x) => Number(x));
  return Array.from(d as ArrayLike<number>);
}

export function constFloats(v: Value | undefined, what: string): number[] | undefined {
  if (!v) return undefined;
  if (!v.constData) throw new InvalidArgumentError(`${what} must be a constant for shape inference.`, 'Give the op explicit outputTypes.');
  return Array.from(v.constData as ArrayLike<number>, Number);
}

export function sameAs(v: Value): OutType {
  return { dtype: v.dtype, shape: v.shape };
}

export function checkRank(v: Value, rank: number, what: string): void {
  if (v.rank !== rank) throw new InvalidArgumentError(`${what} must have rank ${rank}, got ${v.toString()}.`);
}

/** The output extent of a convolution/pool window along one axis (symbolic input stays symbolic). */
export function windowOut(inDim: number | string, k: number, stride: number, padBegin: number, padEnd: number, dilation: number, ceil = false): number | string {
  if (typeof inDim === 'string') return `${inDim}_w${k}s${stride}`;
  const eff = (k - 1) * dilation + 1;
  const span = inDim + padBegin + padEnd - eff;
  if (span < 0) throw new InvalidArgumentError(`a window of ${eff} does not fit an input of ${inDim} with pads ${padBegin}+${padEnd}.`, 'Use a larger input or more padding.');
  let out = (ceil ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  // ONNX/PyTorch ceil_mode: the last window must start inside the input or left padding.
  if (ceil && (out - 1) * stride >= inDim + padBegin) out -= 1;
  return out;
}
