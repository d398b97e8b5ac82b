// Shape rules for elementwise, broadcasting and activation ops.
import { InvalidArgumentError } from '../../../shared/errors';
import { intAttr } from '../attrs';
import { dtypeFromOnnx } from '../dtype';
import { broadcastShapes } from '../shape';
import { type Rule, need, sameAs } from './common';

const unary: Rule = (ins) => [sameAs(need(ins, 0, 'X'))];

const UNARY = [
  'Relu', 'Sigmoid', 'Exp', 'Log', 'Sqrt', 'Neg', 'Abs', 'Tanh', 'Erf', 'Identity', 'Reciprocal', 'Sign', 'Floor',
  'Ceil', 'Round', 'Softplus', 'LeakyRelu', 'Elu', 'HardSigmoid', 'Softmax', 'LogSoftmax', 'Cos', 'Sin', 'Not',
  'CumSum', 'Trilu', 'HardSwish', 'Selu',
];

const broadcast = (boolOut: boolean): Rule => (ins) => {
  let shape = need(ins, 0, 'A').shape;
  for (let i = 1; i < ins.length; i++) shape = broadcastShapes(shape, need(ins, i, `input ${i}`).shape, 'broadcast');
  return [{ dtype: boolOut ? 'bool' : ins[0]!.dtype, shape }];
};

const checkSameType: (r: Rule) => Rule = (r) => (ins, attrs, n) => {
  const t = ins[0]?.dtype;
  for (const v of ins) {
    if (v && v.dtype !== t) throw new InvalidArgumentError(`operand types differ (${ins.map((x) => x?.dtype).join(' vs ')}).`, 'Cast one operand so both have the same element type.');
  }
  return r(ins, attrs, n);
};

export const elementwiseRules: Record<string, Rule> = {
  ...Object.fromEntries(UNARY.map((op) => [op, unary])),
  Add: checkSameType(broadcast(false)),
  Sub: checkSameType(broadcast(false)),
  Mul: checkSameType(broadcast(false)),
  Div: checkSameType(broadcast(false)),
  Mod: checkSameType(broadcast(false)),
  Max: checkSameType(broadcast(false)),
  Min: checkSameType(broadcast(false)),
  Sum: checkSameType(broadcast(false)),
  Mean: checkSameType(broadcast(false)),
  Pow: broadcast(false),
  Equal: checkSameType(broadcast(true)),
  Less: checkSameType(broadcast(true)),
  LessOrEqual: checkSameType(broadcast(true)),
  Greater: checkSameType(broadcast(true)),
  GreaterOrEqual: checkSameType(broadcast(true)),
  And: broadcast(true),
  Or: broadcast(true),
  Xor: broadcast(true),
  IsNaN: (ins) => [{ dtype: 'bool', shape: need(ins, 0, 'X').shape }],
  IsInf: (ins) => [{ dtype: 'bool', shape: need(ins, 0, 'X').shape }],
  Clip: (ins) => [sameAs(need(ins, 0, 'X'))],
  Cast: (ins, attrs) => [{ dtype: dtypeFromOnnx(intAttr(attrs, 'to', 0)), shape: need(ins, 0, 'X').shape }],
  CastLike: (ins) => [{ dtype: need(ins, 1, 'target').dtype, shape: need(ins, 0, 'X').shape }],
  Where: (ins) => {
    const c = need(ins, 0, 'condition');
    const a = need(ins, 1, 'X');
    const b = need(ins, 2, 'Y');
    if (a.dtype !== b.dtype) throw new InvalidArgumentError(`Where branches differ in type (${a.dtype} vs ${b.dtype}).`);
    return [{ dtype: a.dtype, shape: broadcastShapes(broadcastShapes(c.shape, a.shape, 'Where'), b.shape, 'Where') }];
  },
  Dropout: (ins, _a, n) => {
    const x = need(ins, 0, 'data');
    return n > 1 ? [sameAs(x), { dtype: 'bool', shape: x.shape }] : [sameAs(x)];
  },
  RandomUniformLike: (ins, attrs) => [{ dtype: attrs.dtype ? dtypeFromOnnx(intAttr(attrs, 'dtype', 1)) : need(ins, 0, 'input').dtype, shape: ins[0]!.shape }],
  RandomNormalLike: (ins, attrs) => [{ dtype: attrs.dtype ? dtypeFromOnnx(intAttr(attrs, 'dtype', 1)) : need(ins, 0, 'input').dtype, shape: ins[0]!.shape }],
  Bernoulli: (ins, attrs) => [{ dtype: attrs.dtype ? dtypeFromOnnx(intAttr(attrs, 'dtype', 1)) : need(ins, 0, 'input').dtype, shape: ins[0]!.shape }],
};
