// Gradients of reductions, softmax, pooling and inference-mode BatchNormalization.
import { InvalidArgumentError } from '../../../../shared/errors';
import { floatAttr, intAttr, intsAttr } from '../../attrs';
import type { Value } from '../../graph';
import * as op from '../../ops';
import { normAxis } from '../../shape';
import type { GradRule } from '../grad';
import { expandLike, unbroadcast } from '../helpers';
import { constInts } from '../../infer/common';

function reducedAxes(node: { inputs: readonly (Value | undefined)[]; attrs: Parameters<typeof intAttr>[0] }, x: Value): number[] {
  const axes = node.inputs[1] ? constInts(node.inputs[1], 'reduction axes')! : (intsAttr(node.attrs, 'axes') ?? []);
  if (axes.length === 0) return x.shape.map((_, i) => i);
  return axes.map((a) => normAxis(a, x.rank, 'reduction')).sort((a, b) => a - b);
}

/** dY of a reduction, broadcast back over the reduced axes. */
function spread(d: Value, x: Value, axes: number[], keep: boolean): Value {
  const kept = keep ? d : op.unsqueeze(d, axes);
  return expandLike(kept, x);
}

export const reduceGrads: Record<string, GradRule> = {
  ReduceSum: ({ node, dy: [d] }) => {
    const x = node.inputs[0]!;
    const axes = reducedAxes(node, x);
    return [spread(d!, x, axes, intAttr(node.attrs, 'keepdims', 1) === 1)];
  },
  ReduceMean: ({ node, dy: [d] }) => {
    const x = node.inputs[0]!;
    const axes = reducedAxes(node, x);
    let count = 1;
    for (const a of axes) {
      const n = x.shape[a];
      if (typeof n !== 'number') throw new InvalidArgumentError(`ReduceMean gradients need static sizes on the reduced axes, got ${x.toString()}.`);
      count *= n;
    }
    return [spread(op.mul(d!, 1 / count), x, axes, intAttr(node.attrs, 'keepdims', 1) === 1)];
  },
  Softmax: ({ node, dy: [d] }) => {
    const y = node.outputs[0];
    const axis = normAxis(intAttr(node.attrs, 'axis', -1), y.rank, 'Softmax');
    return [op.mul(y, op.sub(d!, op.reduceSum(op.mul(d!, y), [axis], true)))];
  },
  LogSoftmax: ({ node, dy: [d] }) => {
    const y = node.outputs[0];
    const axis = normAxis(intAttr(node.attrs, 'axis', -1), y.rank, 'LogSoftmax');
    return [op.sub(d!, op.mul(op.exp(y), op.reduceSum(d!, [axis], true)))];
  },
  GlobalAveragePool: ({ node, dy: [d] }) => {
    const x = node.inputs[0]!;
    const n = x.shape.slice(2).reduce<number>((a, b) => a * (typeof b === 'number' ? b : NaN), 1);
    if (!Number.isFinite(n)) throw new InvalidArgumentError(`GlobalAveragePool gradients need static spatial sizes, got ${x.toString()}.`);
    return [expandLike(op.mul(d!, 1 / n), x)];
  },
  /** Inference-mode BatchNormalization (frozen statistics): Y = scale·(X − mean)/√(var + ε) + B. */
  BatchNormalization: ({ node, dy: [d], need }) => {
    const [x, scale, , mean, variance] = node.inputs as Value[];
    if (intAttr(node.attrs, 'training_mode', 0) === 1) throw new InvalidArgumentError('BatchNormalization with training_mode=1 is not differentiated; use blocks/norm.ts batchNorm, which emits the training form.');
    const eps = floatAttr(node.attrs, 'epsilon', 1e-5);
    const bc = (v: Value) => op.unsqueeze(v, Array.from({ length: x.rank - 2 }, (_, i) => i + 1));
    const inv = op.div(1, op.sqrt(op.add(variance, eps)));
    const dx = need[0] ? op.mul(d!, bc(op.mul(scale, inv))) : undefined;
    const axes = [0, ...Array.from({ length: x.rank - 2 }, (_, i) => i + 2)];
    const dscale = need[1] ? op.reduceSum(op.mul(d!, op.mul(op.sub(x, bc(mean)), bc(inv))), axes, false) : undefined;
    const db = need[2] ? op.reduceSum(d!, axes, false) : undefined;
    return [dx, dscale, db, undefined, undefined];
  },
  /**
   * LayerNormalization over axes [axis, rank): Y = x̂·scale + bias with x̂ = (X − μ)·σ⁻¹. Uses the node's Mean and
   * InvStdDev outputs (blocks/norm.ts emits them); when scale is the constant 1 and bias the constant 0, Y is x̂.
   *   dx̂ = dY·scale;  dX = σ⁻¹·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂))
   */
  LayerNormalization: ({ node, dy: [d], need }) => {
    const [x, scale, bias] = node.inputs as [Value, Value, Value | undefined];
    const y = node.outputs[0];
    const axis = normAxis(intAttr(node.attrs, 'axis', -1), x.rank, 'LayerNormalization');
    const axes = Array.from({ length: x.rank - axis }, (_, i) => axis + i);
    if (node.outputs.length < 3) throw new InvalidArgumentError('LayerNormalization gradients need the Mean and InvStdDev outputs; emit the node with 3 outputs.');
    const [mean, invStd] = [node.outputs[1], node.outputs[2]];
    if (mean.dtype !== x.dtype) throw new InvalidArgumentError(`LayerNormalization gradients need statistics in ${x.dtype} (stash_type), got ${mean.dtype}.`);
    const isConst = (v: Value | undefined, c: number) => !v || (v.constData !== undefined && Array.from(v.constData as ArrayLike<number>).every((e) => Number(e) === c));
    const plain = isConst(scale, 1) && isConst(bias, 0);
    const xhat = plain ? y : op.mul(op.sub(x, mean), invStd);
    const dxhat = isConst(scale, 1) ? d! : op.mul(d!, scale);
    let dx: Value | undefined;
    if (need[0]) {
      const m1 = op.reduceMean(dxhat, axes);
      const m2 = op.reduceMean(op.mul(dxhat, xhat), axes);
      dx = op.mul(op.sub(op.sub(dxhat, m1), op.mul(xhat, m2)), invStd);
    }
    const dscale = need[1] ? unbroadcast(op.mul(d!, xhat), scale.shape) : undefined;
    const dbias = bias && need[2] ? unbroadcast(d!, bias.shape) : undefined;
    return [dx, dscale, dbias];
  },
};
