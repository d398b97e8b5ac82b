// Gradients of MatMul, Gemm and Conv.
import { InvalidArgumentError } from '../../../../shared/errors';
import { float } from '../../attrs';
import { intAttr, intsAttr, stringAttr } from '../../attrs';
import type { Value } from '../../graph';
import * as op from '../../ops';
import type { GradRule } from '../grad';
import { unbroadcast } from '../helpers';

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
        if (s[0] === 1 && s[1] === 1) {
          // Stride 1: dX is a plain convolution of dY with the spatially flipped, in/out-swapped kernel and the
          // complementary padding. onnxruntime runs Conv in its blocked NCHWc kernels, several times faster than
          // ConvTranspose's GEMM + col2im.
          const flipped = op.slice(op.transpose(w, [1, 0, 2, 3]), [-1, -1], [-(k[0] + 1), -(k[1] + 1)], [2, 3], [-1, -1]);
          const pads = [0, 1].map((i) => dl[i] * (k[i] - 1) - p[i]);
          const padsEnd = [0, 1].map((i) => dl[i] * (k[i] - 1) - p[i + 2] + outPad[i]);
          if ([...pads, ...padsEnd].every((v) => v >= 0)) dx = op.conv(d!, flipped, undefined, { pads: [...pads, ...padsEnd], dilations: dl });
        }
        dx ??= g.op1('ConvTranspose', [d!, w], { kernel_shape: k, strides: s, pads: p, dilations: dl, output_padding: outPad });
      }
    }
    if (need[1]) {
      const dyFlat = op.reshape(d!, [0, co, -1]);
      if (pointwise) {
        dw = op.reshape(op.reduceSum(op.matmul(dyFlat, op.transpose(op.reshape(x, [0, ci, -1]), [0, 2, 1])), [0], false), [co, ci, 1, 1]);
      } else {
        if (typeof ho !== 'number' || typeof wo !== 'number') throw new InvalidArgumentError(`Conv weight gradients need static output sizes, got ${d!.toString()}.`);
        // One GEMM per kernel tap against a strided window of the padded input: no im2col matrix is assembled.
        const xp = p.some((v) => v !== 0) ? g.op1('Pad', [x, g.ints([0, 0, p[0], p[1], 0, 0, p[2], p[3]])]) : x;
        const taps: Value[] = [];
        for (let i = 0; i < k[0]; i++) {
          for (let j = 0; j < k[1]; j++) {
            const [y0, x0] = [i * dl[0], j * dl[1]];
            const win = op.reshape(op.slice(xp, [y0, x0], [y0 + s[0] * (ho - 1) + 1, x0 + s[1] * (wo - 1) + 1], [2, 3], [s[0], s[1]]), [0, ci, -1]);
            taps.push(op.unsqueeze(op.reduceSum(op.matmul(dyFlat, op.transpose(win, [0, 2, 1])), [0], false), [2]));
          }
        }
        dw = op.reshape(op.concat(taps, 2), [co, ci, k[0], k[1]]);
      }
    }
    const db = b && need[2] ? op.reduceSum(d!, [0, 2, 3], false) : undefined;
    return [dx, dw, db];
  },
};
