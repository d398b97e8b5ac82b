// Typed helpers over Graph.op for the ops models use. Each takes Values (which know their graph) and returns
// Values; a plain number where a tensor is expected becomes a scalar constant of the other operand's dtype.
// Anything not here is one `g.op1('OpType', inputs, attrs)` away.
import { InvalidArgumentError } from '../../shared/errors';
import { float } from './attrs';
import { ONNX_DTYPE, type DType } from './dtype';
import type { Graph, Value } from './graph';
import { isStatic } from './shape';
import { convByMatMul } from './im2col';

type Operand = Value | number;

function pair(a: Operand, b: Operand): [Value, Value] {
  if (typeof a === 'number' && typeof b === 'number') throw new InvalidArgumentError('At least one operand must be a graph value.');
  const g = (typeof a === 'number' ? (b as Value) : a).graph;
  const dtype = (typeof a === 'number' ? (b as Value) : a).dtype;
  return [typeof a === 'number' ? g.scalar(a, dtype) : a, typeof b === 'number' ? g.scalar(b, dtype) : b];
}

const bin = (op: string) => (a: Operand, b: Operand): Value => {
  const [x, y] = pair(a, b);
  // onnxruntime's CPU broadcasting of a scalar onto a tensor whose last dim is 1 (a [Co, Ci, 1, 1] conv weight)
  // runs element by element: measured 30× slower than on the same data flattened. Flatten, then restore.
  const isScalar = (v: Value) => v.shape.every((d) => d === 1);
  const trailingOne = (v: Value) => v.rank > 1 && v.shape[v.rank - 1] === 1 && isStatic(v.shape) && !isScalar(v);
  if ((isScalar(y) && trailingOne(x)) || (isScalar(x) && trailingOne(y))) {
    const big = isScalar(y) ? x : y;
    const flat = (v: Value) => (v === big ? reshape(v, [-1]) : v.rank === 0 ? v : reshape(v, []));
    return reshape(x.graph.op1(op, [flat(x), flat(y)]), big.shape as number[]);
  }
  return x.graph.op1(op, [x, y]);
};

export const add = bin('Add');
export const sub = bin('Sub');
export const mul = bin('Mul');
export const div = bin('Div');
export const pow = bin('Pow');
export const max = bin('Max');
export const min = bin('Min');

const un = (op: string) => (x: Value): Value => x.graph.op1(op, [x]);

export const relu = un('Relu');
export const sigmoid = un('Sigmoid');
export const exp = un('Exp');
export const log = un('Log');
export const sqrt = un('Sqrt');
export const neg = un('Neg');
export const abs = un('Abs');
export const tanh = un('Tanh');
export const identity = un('Identity');

/** x · sigmoid(x) as Sigmoid + Mul: both have gradient rules, and ORT fuses the pair on CPU. */
export function silu(x: Value): Value {
  return mul(x, sigmoid(x));
}

export function matmul(a: Value, b: Value): Value {
  return a.graph.op1('MatMul', [a, b]);
}

/** Y = alpha·op(A)·op(B) + beta·C. */
export function gemm(a: Value, b: Value, c?: Value, o: { transA?: boolean; transB?: boolean; alpha?: number; beta?: number } = {}): Value {
  return a.graph.op1('Gemm', [a, b, c], { transA: o.transA ? 1 : 0, transB: o.transB ? 1 : 0, alpha: float(o.alpha ?? 1), beta: float(o.beta ?? 1) });
}

export interface ConvAttrs {
  strides?: readonly number[];
  /** ONNX order: [begin_0, begin_1, …, end_0, end_1, …]. */
  pads?: readonly number[];
  dilations?: readonly number[];
  group?: number;
}

/**
 * ONNX Conv. float64 2-D convolutions are emitted as im2col + MatMul (exact), because onnxruntime has no float64
 * Conv kernel; float64 graphs are what the gradient checks use.
 */
export function conv(x: Value, w: Value, b?: Value, a: ConvAttrs = {}): Value {
  const sp = x.rank - 2;
  if (x.dtype === 'float64' && sp === 2 && (a.group ?? 1) === 1) {
    return convByMatMul(x, w, b, { kernel: w.shape.slice(2) as number[], strides: a.strides ?? [1, 1], pads: a.pads ?? [0, 0, 0, 0], dilations: a.dilations ?? [1, 1] });
  }
  return x.graph.op1('Conv', [x, w, b], {
    kernel_shape: w.shape.slice(2) as number[],
    strides: a.strides ?? new Array(sp).fill(1),
    pads: a.pads ?? new Array(2 * sp).fill(0),
    dilations: a.dilations ?? new Array(sp).fill(1),
    group: a.group ?? 1,
  });
}

export function softmax(x: Value, axis = -1): Value {
  return x.graph.op1('Softmax', [x], { axis });
}

export function logSoftmax(x: Value, axis = -1): Value {
  return x.graph.op1('LogSoftmax', [x], { axis });
}

export function reduceSum(x: Value, axes: readonly number[], keepdims = true): Value {
  return x.graph.op1('ReduceSum', [x, x.graph.ints(axes, 'axes')], { keepdims: keepdims ? 1 : 0 });
}

export function reduceMean(x: Value, axes: readonly number[], keepdims = true): Value {
  return x.graph.op1('ReduceMean', [x, x.graph.ints(axes, 'axes')], { keepdims: keepdims ? 1 : 0 });
}

export function reduceMax(x: Value, axes: readonly number[], keepdims = true): Value {
  return x.graph.op1('ReduceMax', [x, x.graph.ints(axes, 'axes')], { keepdims: keepdims ? 1 : 0 });
}

/** Sum of all elements as a 0-d value. */
export function sumAll(x: Value): Value {
  return x.graph.op1('ReduceSum', [x], { keepdims: 0 });
}

export function meanAll(x: Value): Value {
  return x.graph.op1('ReduceMean', [x, x.graph.ints(x.shape.map((_, i) => i), 'axes')], { keepdims: 0 });
}

/** ONNX Reshape: 0 copies the input dim, -1 is inferred. */
export function reshape(x: Value, shape: readonly number[]): Value {
  return x.graph.op1('Reshape', [x, x.graph.ints(shape, 'shape')]);
}

export function transpose(x: Value, perm: readonly number[]): Value {
  return x.graph.op1('Transpose', [x], { perm: [...perm] });
}

export function concat(xs: readonly Value[], axis: number): Value {
  if (xs.length === 0) throw new InvalidArgumentError('concat needs at least one value.');
  if (xs.length === 1) return xs[0];
  return xs[0].graph.op1('Concat', xs, { axis });
}

export function split(x: Value, sizes: readonly number[], axis: number): Value[] {
  return x.graph.op('Split', [x, x.graph.ints(sizes, 'split')], { axis }, { outputs: sizes.length });
}

export function slice(x: Value, starts: readonly number[], ends: readonly number[], axes: readonly number[], steps?: readonly number[]): Value {
  const g = x.graph;
  return g.op1('Slice', [x, g.ints(starts, 'starts'), g.ints(ends, 'ends'), g.ints(axes, 'axes'), steps ? g.ints(steps, 'steps') : undefined]);
}

export function unsqueeze(x: Value, axes: readonly number[]): Value {
  return x.graph.op1('Unsqueeze', [x, x.graph.ints(axes, 'axes')]);
}

export function squeeze(x: Value, axes: readonly number[]): Value {
  return x.graph.op1('Squeeze', [x, x.graph.ints(axes, 'axes')]);
}

export function expand(x: Value, shape: readonly number[]): Value {
  return x.graph.op1('Expand', [x, x.graph.ints(shape, 'shape')]);
}

export function cast(x: Value, to: DType): Value {
  if (x.dtype === to) return x;
  return x.graph.op1('Cast', [x], { to: ONNX_DTYPE[to] });
}

export function where(cond: Value, a: Value, b: Value): Value {
  return cond.graph.op1('Where', [cond, a, b]);
}

export function topk(x: Value, k: number, axis = -1, largest = true): [Value, Value] {
  const [v, i] = x.graph.op('TopK', [x, x.graph.ints([k], 'k')], { axis, largest: largest ? 1 : 0, sorted: 1 }, { outputs: 2 });
  return [v, i];
}

export function gatherElements(x: Value, indices: Value, axis: number): Value {
  return x.graph.op1('GatherElements', [x, indices], { axis });
}

/** A constant input of the graph `g` with float32 data. */
export function constF32(g: Graph, data: Float32Array, shape: readonly number[], base = 'const'): Value {
  return g.constant(data, 'float32', shape, base);
}
