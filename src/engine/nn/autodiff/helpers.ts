// Small graph fragments the gradient rules share: undoing broadcasting, zeros, expanding a reduced gradient.
import { ONNX_DTYPE } from '../dtype';
import type { Graph, Value } from '../graph';
import * as op from '../ops';
import { type Shape, isStatic } from '../shape';

/** Sums `dy` over the axes that broadcasting added or stretched, so it has `shape` again. */
export function unbroadcast(dy: Value, shape: Shape): Value {
  let r = dy;
  const lead = dy.rank - shape.length;
  if (lead > 0) r = op.reduceSum(r, Array.from({ length: lead }, (_, i) => i), false);
  const axes: number[] = [];
  shape.forEach((d, i) => {
    if (d === 1 && r.shape[i] !== 1) axes.push(i);
  });
  if (axes.length > 0) r = op.reduceSum(r, axes, true);
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
