// Gradients of elementwise ops. Binary ops broadcast, so each operand's gradient is summed back to its shape.
import { ONNX_DTYPE, isFloat } from '../../dtype';
import type { Graph, Value } from '../../graph';
import * as op from '../../ops';
import type { GradRule } from '../grad';
import { maskAs, unbroadcast } from '../helpers';

export const elementwiseGrads: Record<string, GradRule> = {
  Add: ({ node, dy: [d] }) => [unbroadcast(d!, node.inputs[0]!.shape), unbroadcast(d!, node.inputs[1]!.shape)],
  Sub: ({ node, dy: [d], need }) => [unbroadcast(d!, node.inputs[0]!.shape), need[1] ? unbroadcast(op.neg(d!), node.inputs[1]!.shape) : undefined],
  Mul: ({ node, dy: [d], need }) => {
    const [a, b] = node.inputs as [NonNullable<(typeof node.inputs)[0]>, NonNullable<(typeof node.inputs)[0]>];
    const y = node.outputs[0];
    return [need[0] ? unbroadcast(op.mul(unexpanded(d!, b, y), b), a.shape) : undefined, need[1] ? unbroadcast(op.mul(unexpanded(d!, a, y), a), b.shape) : undefined];
  },
  Div: ({ node, dy: [d], need }) => {
    const [a, b] = [node.inputs[0]!, node.inputs[1]!];
    const y = node.outputs[0];
    const da = need[0] ? unbroadcast(op.div(d!, b), a.shape) : undefined;
    // d(a/b)/db = -a/b² = -y/b
    const db = need[1] ? unbroadcast(op.neg(op.div(op.mul(d!, y), b)), b.shape) : undefined;
    return [da, db];
  },
  Pow: ({ node, dy: [d], need }) => {
    const [a, b] = [node.inputs[0]!, node.inputs[1]!];
    const y = node.outputs[0];
    // d(a^b)/da = b·a^(b-1); written as b·a^(b-1) (not b·y/a) so a = 0 with b ≥ 1 stays finite.
    const da = need[0] ? unbroadcast(op.mul(d!, op.mul(b, op.pow(a, op.sub(b, 1)))), a.shape) : undefined;
    const db = need[1] && isFloat(b.dtype) ? unbroadcast(op.mul(d!, op.mul(y, op.log(a))), b.shape) : undefined;
    return [da, db];
  },
  Neg: ({ dy: [d] }) => [op.neg(d!)],
  Identity: ({ dy: [d] }) => [d],
  Relu: ({ node, dy: [d], g }) => {
    const y = node.outputs[0];
    return [op.where(g.op1('Greater', [y, g.scalar(0, y.dtype)]), d!, g.scalar(0, y.dtype))];
  },
  LeakyRelu: ({ node, dy: [d], g }) => {
    const x = node.inputs[0]!;
    const alpha = node.attrs.alpha?.type === 'float' ? node.attrs.alpha.value : 0.01;
    return [op.where(g.op1('Greater', [x, g.scalar(0, x.dtype)]), d!, op.mul(d!, alpha))];
  },
  Sigmoid: ({ node, dy: [d] }) => {
    const y = node.outputs[0];
    return [op.mul(d!, op.mul(y, op.sub(1, y)))];
  },
  Tanh: ({ node, dy: [d] }) => {
    const y = node.outputs[0];
    return [op.mul(d!, op.sub(1, op.mul(y, y)))];
  },
  Exp: ({ node, dy: [d] }) => [op.mul(unexpanded(d!, node.outputs[0], node.outputs[0]), node.outputs[0])],
  Log: ({ node, dy: [d] }) => [op.div(d!, node.inputs[0]!)],
  Sqrt: ({ node, dy: [d] }) => [op.div(op.mul(d!, 0.5), node.outputs[0])],
  Reciprocal: ({ node, dy: [d] }) => {
    const y = node.outputs[0];
    return [op.neg(op.mul(d!, op.mul(y, y)))];
  },
  Abs: ({ node, dy: [d], g }) => [op.mul(d!, g.op1('Sign', [node.inputs[0]!]))],
  Softplus: ({ node, dy: [d] }) => [op.mul(d!, op.sigmoid(node.inputs[0]!))],
  Erf: ({ node, dy: [d] }) => {
    const x = node.inputs[0]!;
    return [op.mul(d!, op.mul(op.exp(op.neg(op.mul(x, x))), 2 / Math.sqrt(Math.PI)))];
  },
  Sum: ({ node, dy: [d] }) => node.inputs.map((v) => unbroadcast(d!, v!.shape)),
  Max: ({ node, dy: [d], g }) => minMax(g, node.inputs[0]!, node.inputs[1]!, d!, 'Greater'),
  Min: ({ node, dy: [d], g }) => minMax(g, node.inputs[0]!, node.inputs[1]!, d!, 'Less'),
  Clip: ({ node, dy: [d], g }) => {
    const x = node.inputs[0]!;
    let keep: Value | undefined;
    if (node.inputs[1]) keep = g.op1('GreaterOrEqual', [x, node.inputs[1]]);
    if (node.inputs[2]) {
      const hi = g.op1('LessOrEqual', [x, node.inputs[2]]);
      keep = keep ? g.op1('And', [keep, hi]) : hi;
    }
    return [keep ? op.mul(d!, maskAs(keep, d!)) : d];
  },
  Where: ({ node, dy: [d], need, g }) => {
    const [c, a, b] = [node.inputs[0]!, node.inputs[1]!, node.inputs[2]!];
    const zero = g.scalar(0, d!.dtype);
    return [undefined, need[1] ? unbroadcast(op.where(c, d!, zero), a.shape) : undefined, need[2] ? unbroadcast(op.where(c, zero, d!), b.shape) : undefined];
  },
  Cast: ({ node, dy: [d], g }) => {
    const x = node.inputs[0]!;
    return [isFloat(x.dtype) ? g.op1('Cast', [d!], { to: ONNX_DTYPE[x.dtype] }) : undefined];
  },
};

/** torch.maximum/minimum backward: the winner gets the gradient, ties split it half and half. */
function minMax(g: Graph, a: Value, b: Value, d: Value, wins: 'Greater' | 'Less'): Value[] {
  const dt = d.dtype;
  const share = op.add(maskAs(g.op1(wins, [a, b]), d), op.mul(maskAs(g.op1('Equal', [a, b]), d), g.scalar(0.5, dt)));
  const other = op.sub(g.scalar(1, dt), share);
  return [unbroadcast(op.mul(d, share), a.shape), unbroadcast(op.mul(d, other), b.shape)];
}

/**
 * When `d` is an Expand that autodiff emitted (a reduction's gradient) and `other` already has the full output
 * shape `y`, multiplying by the Expand's input broadcasts to the same result without materialising the expansion.
 */
function unexpanded(d: Value, other: Value, y: Value): Value {
  const p = d.producer;
  if (!p || p.opType !== 'Expand' || !p.name.startsWith('grad/')) return d;
  const same = other.shape.length === y.shape.length && other.shape.every((v, i) => v === y.shape[i]);
  return same ? p.inputs[0]! : d;
}
