// Gradients of MatMul, Gemm and Conv.
import { InvalidArgumentError } from '../../../../shared/errors';
import { float } from '../../attrs';
import { intAttr, intsAttr, stringAttr } from '../../attrs';
import type { Value } from '../../graph';
import * as op from '../../ops';
import type { GradRule } from '../grad';
import { unbroadcast } from '../helpers';
import { im2col } from '../../im2col';

const swapLast = (v: Value): Value => {
  const r = v.rank;
  return op.transpose(v, [...Array.from({ length: r - 2 }, (_, i) => i), r - 1, r - 2]);
};

export const linalgGrads: Record<string, GradRule> = {
  MatMul: ({ node, dy: [d], need }) => {
    const [a, b] = [node.inputs[0]!, node.inputs[1]!];
    if (a.rank < 2 || b.rank < 2) throw new InvalidArgumentError(`MatMul gradients need operands of rank ≥ 2 (got ${a.toString()}, ${b.toString()}).`, 'Unsqueeze vectors to matrices first.');
    let da: Value | undefined;
    let db: Value | undefined;
    if (need[0]) da = unbroadcast(op.matmul(d!, swapLast(b)), a.shape);
    if (need[1]) {
      if (b.rank === 2 && a.rank > 2) {
        // Weights shared over a batch: one GEMM over the flattened batch instead of a batched GEMM + sum.
        const k = a.shape[a.rank - 1] as number;
        const n = b.shape[1] as number;
        db = op.matmul(op.transpose(op.reshape(a, [-1, k]), [1, 0]), op.reshape(d!, [-1, n]));
      } else db = unbroadcast(op.matmul(swapLast(a), d!), b.shape);
    }
    return [da, db];
  },

  Gemm: ({ node, dy: [d], need, g }) => {
    const [a, b, c] = node.inputs;
    const ta = intAttr(node.attrs, 'transA', 0) === 1;
    const tb = intAttr(node.attrs, 'transB', 0) === 1;
    const alpha = node.attrs.alpha?.type === 'float' ? node.attrs.alpha.value : 1;
    const beta = node.attrs.beta?.type === 'float' ? node.attrs.beta.value : 1;
    const gemm = (x: Value, y: Value, tx: boolean, ty: boolean) => g.op1('Gemm', [x, y], { transA: tx ? 1 : 0, transB: ty ? 1 : 0, alpha: float(alpha) });
    const da = need[0] ? (ta ? gemm(b!, d!, tb, true) : gemm(d!, b!, false, !tb)) : undefined;
    const db = need[1] ? (tb ? gemm(d!, a!, true, ta) : gemm(a!, d!, !ta, false)) : undefined;
    const dc = c && need[2] ? unbroadcast(beta === 1 ? d! : op.mul(d!, beta), c.shape) : undefined;
    return [da, db, dc];
  },

  Conv: ({ node, dy: [d], need, g }) => {
    const [x, w, b] = [node.inputs[0]!, node.inputs[1]!, node.inputs[2]];
    if (x.rank !== 4) throw new InvalidArgumentError(`Conv gradients are implemented for 2-D convolutions, got ${x.toString()}.`);
    if (intAttr(node.attrs, 'group', 1) !== 1) throw new InvalidArgumentError('Conv gradients are implemented for group = 1.', 'Use ungrouped convolutions in trainable heads.');
    if (stringAttr(node.attrs, 'auto_pad', 'NOTSET') !== 'NOTSET') throw new InvalidArgumentError('Conv gradients need explicit pads (auto_pad NOTSET).');
    const k = w.shape.slice(2) as number[];
    const s = intsAttr(node.attrs, 'strides') ?? [1, 1];
    const p = intsAttr(node.attrs, 'pads') ?? [0, 0, 0, 0];
    const dl = intsAttr(node.attrs, 'dilations') ?? [1, 1];
    const [co, ci] = [w.shape[0] as number, w.shape[1] as number];
    const pointwise = k[0] === 1 && k[1] === 1 && s[0] === 1 && s[1] === 1 && p.every((v) => v === 0);
    const [ho, wo] = [d!.shape[2], d!.shape[3]];
    let dx: Value | undefined;
    let dw: Value | undefined;
    if (need[0]) {
      if (pointwise) dx = op.conv(d!, op.transpose(w, [1, 0, 2, 3]));
      else {
        const [h, wd] = [x.shape[2], x.shape[3]];
        if (typeof h !== 'number' || typeof wd !== 'number' || typeof ho !== 'number' || typeof wo !== 'number') {
          throw new InvalidArgumentError(`Conv input gradients need static spatial sizes, got ${x.toString()}.`);
        }
        const outPad = [0, 1].map((i) => [h, wd][i] - (s[i] * ([ho, wo][i] - 1) + dl[i] * (k[i] - 1) + 1 - p[i] - p[i + 2]));
        dx = g.op1('ConvTranspose', [d!, w], { kernel_shape: k, strides: s, pads: p, dilations: dl, output_padding: outPad });
      }
    }
    if (need[1]) {
      const dyFlat = op.reshape(d!, [0, co, -1]);
      if (!pointwise && (typeof ho !== 'number' || typeof wo !== 'number')) throw new InvalidArgumentError(`Conv weight gradients need static output sizes, got ${d!.toString()}.`);
      const cols = im2col(x, { kernel: k, strides: s, pads: p, dilations: dl });
      dw = op.reshape(op.reduceSum(op.matmul(dyFlat, op.transpose(cols, [0, 2, 1])), [0], false), [co, ci, k[0], k[1]]);
    }
    const db = b && need[2] ? op.reduceSum(d!, [0, 2, 3], false) : undefined;
    return [dx, dw, db];
  },
};
