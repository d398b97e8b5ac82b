// ONNX attributes from plain JS values. A JS number does not say whether it is an int or a float, so names that
// are floats in every ONNX op we use are listed here; anything else can be forced with float()/floats().
import type { TypedArray, DType } from './dtype';

export interface FloatAttr { readonly kind: 'float'; readonly value: number }
export interface FloatsAttr { readonly kind: 'floats'; readonly value: readonly number[] }
export interface TensorAttr { readonly kind: 'tensor'; readonly dtype: DType; readonly dims: readonly number[]; readonly data: TypedArray }

export type AttrInput = number | string | boolean | readonly number[] | readonly string[] | FloatAttr | FloatsAttr | TensorAttr;

export type Attr =
  | { type: 'int'; value: number }
  | { type: 'float'; value: number }
  | { type: 'string'; value: string }
  | { type: 'ints'; value: readonly number[] }
  | { type: 'floats'; value: readonly number[] }
  | { type: 'strings'; value: readonly string[] }
  | { type: 'tensor'; value: TensorAttr };

export const float = (value: number): FloatAttr => ({ kind: 'float', value });
export const floats = (value: readonly number[]): FloatsAttr => ({ kind: 'floats', value });

const FLOAT_NAMES = new Set([
  'alpha', 'beta', 'epsilon', 'momentum', 'ratio', 'gamma', 'lambd', 'bias', 'extrapolation_value', 'cubic_coeff_a',
  'value_float', 'seed', 'mean', 'scale', 'high', 'low', 'spatial_scale', 'min', 'max',
]);
const FLOATS_NAMES = new Set(['value_floats', 'scales']);

export function toAttr(name: string, v: AttrInput): Attr {
  if (typeof v === 'boolean') return { type: 'int', value: v ? 1 : 0 };
  if (typeof v === 'number') return FLOAT_NAMES.has(name) ? { type: 'float', value: v } : { type: 'int', value: v };
  if (typeof v === 'string') return { type: 'string', value: v };
  if (Array.isArray(v)) {
    if (v.length > 0 && typeof v[0] === 'string') return { type: 'strings', value: v as readonly string[] };
    return FLOATS_NAMES.has(name) ? { type: 'floats', value: v as readonly number[] } : { type: 'ints', value: v as readonly number[] };
  }
  const o = v as FloatAttr | FloatsAttr | TensorAttr;
  if (o.kind === 'float') return { type: 'float', value: o.value };
  if (o.kind === 'floats') return { type: 'floats', value: o.value };
  return { type: 'tensor', value: o };
}

export function intAttr(attrs: Readonly<Record<string, Attr>>, name: string, dflt: number): number {
  const a = attrs[name];
  return a && (a.type === 'int' || a.type === 'float') ? a.value : dflt;
}

export function floatAttr(attrs: Readonly<Record<string, Attr>>, name: string, dflt: number): number {
  return intAttr(attrs, name, dflt);
}

export function intsAttr(attrs: Readonly<Record<string, Attr>>, name: string): readonly number[] | undefined {
  const a = attrs[name];
  return a && (a.type === 'ints' || a.type === 'floats') ? a.value : undefined;
}

export function stringAttr(attrs: Readonly<Record<string, Attr>>, name: string, dflt: string): string {
  const a = attrs[name];
  return a && a.type === 'string' ? a.value : dflt;
}
