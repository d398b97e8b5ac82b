// Small graph fragments the gradient rules share: undoing broadcasting, zeros, expanding a reduced gradient.
import { ONNX_DTYPE } from '../dtype';
import type { Graph, Value } from '../graph';
import * as op from '../ops';
import { type Shape, isStatic } from '../shape';

/**
 * Sums `dy` over the axes that broadcasting added or stretched, so it has `shape` again. With static shapes this is
 * one ReduceSum and a free Reshape: onnxruntime reduces [N, C, H, W] over [0, 2, 3] three times faster than over
 * axis 0 and then [1, 2], and a leading-axes-only sum fastest as a 2-D [N, rest] reduction.
 */
export function unbroadcast(dy: Value, shape: Shape): Value {
  const lead = dy.rank - shape.length;
  const axes: number[] = Array.from({ length: lead }, (_, i) => i);
  shape.forEach((d, i) => {
    if (d === 1 && dy.shape[lead + i] !== 1) axes.push(lead + i);
  });
  if (axes.length === 0) return dy;
  if (isStatic(shape) && isStatic(dy.shape)) {
    if (axes.length === lead) {
      const rest = shape.reduce((a, b) => a * b, 1);
      const n = (dy.shape as number[]).slice(0, lead).reduce((a, b) => a * b, 1);
      return op.reshape(op.reduceSum(op.reshape(dy, [n, rest]), [0], false), shape);
    }
    return op.reshape(op.reduceSum(dy, axes, true), shape);
  }
  let r = dy;
  if (lead > 0) r = op.reduceSum(r, Array.from({ length: lead }, (_, i) => i), false);
  const inner = axes.filter((a) => a >= lead).map((a) => a - lead);
  if (inner.length > 0) r = op.reduceSum(r, inner, true);
  return r;
}

/** Zeros of `like`'s dtype and shape. */
export function zerosLike(like: Value): Value {
  const g = like.graph;
  const value = { kind: 'tensor' as const, dtype: like.dtype, dims: [1], data: new (like.dtype === 'float64' ? Float64Array : Float32Array)(1) };
  if (isStatic(like.shape)) return g.op1('ConstantOfShape', [g.ints(like.shape)], { value });
  return g.op1('ConstantOfShape', [shapeOf(like)], { value }, { outputTypes: [{ dtype: like.dtype, shape: like.shape }] });
}

export function shapeOf(v: Value): Value {
  return v.graph.op1('Shape', [v]);
}

/** `x` reshaped to `like`'s shape (a constant shape when static, else read at run time). */
export function reshapeLike(x: Value, like: Value): Value {
  if (isStatic(like.shape)) return op.reshape(x, like.shape);
  return x.graph.op1('Reshape', [x, shapeOf(like)], {}, { outputTypes: [{ dtype: x.dtype, shape: like.shape }] });
}

/** `x` broadcast to `like`'s shape. */
export function expandLike(x: Value, like: Value): Value {
  if (isStatic(like.shape)) return op.expand(x, like.shape);
  return x.graph.op1('Expand', [x, shapeOf(like)], {}, { outputTypes: [{ dtype: x.dtype, shape: like.shape }] });
}

/** A bool mask as 0/1 in `dtype`. */
export function maskAs(mask: Value, like: Value): Value {
  return mask.graph.op1('Cast', [mask], { to: ONNX_DTYPE[like.dtype] });
}

export function scalarLike(g: Graph, x: number, like: Value): Value {
  return g.scalar(x, like.dtype);
}
