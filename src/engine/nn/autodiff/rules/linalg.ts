// Gradients of MatMul, Gemm and Conv.
import { InvalidArgumentError } from '../../../../shared/errors';
import { float } from '../../attrs';
import { intAttr, intsAttr, stringAttr } from '../../attrs';
import type { Graph, Value } from '../../graph';
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
      if (typeof ho !== 'number' || typeof wo !== 'number') throw new InvalidArgumentError(`Conv weight gradients need static output sizes, got ${d!.toString()}.`);
      dw = convWeightGrad(g, x, d!, { k, s, p, dl, co, ci, ho, wo, pointwise });
    }
    const db = b && need[2] ? op.reduceSum(d!, [0, 2, 3], false) : undefined;
    return [dx, dw, db];
  },
};

interface ConvGeometry {
  k: readonly number[];
  s: readonly number[];
  p: readonly number[];
  dl: readonly number[];
  co: number;
  ci: number;
  ho: number;
  wo: number;
  pointwise: boolean;
}

/**
 * dW[co, ci, i, j] = Σ_{n, y, x} dY[n, co, y, x] · Xpad[n, ci, y·s + i·dl, x·s + j·dl]: one GEMM per kernel tap
 * against a strided window of the padded input (no im2col matrix). Two layouts, chosen by the bytes they move:
 * batched GEMMs [N, Co, P]·[N, P, Ci] summed over N (cheap when Co·Ci is small next to the maps), or the batch
 * folded into the GEMM's inner dimension after moving it behind the channels ([Co, N·P]·[N·P, Ci]), which avoids
 * an [N, Co, Ci] temporary per tap when the channel counts are large (UPerNet's 2048→512 fuse conv, 8×8 taps).
 */
function convWeightGrad(g: Graph, x: Value, d: Value, c: ConvGeometry): Value {
  const { k, s, p, dl, co, ci, ho, wo } = c;
  const n = x.shape[0];
  const taps = k[0] * k[1];
  const hp = (x.shape[2] as number) + p[0] + p[2];
  const wp = (x.shape[3] as number) + p[1] + p[3];
  const folded = typeof n === 'number' && taps * co * ci > co * ho * wo + ci * hp * wp;
  const xp = p.some((v) => v !== 0) ? g.op1('Pad', [x, g.ints([0, 0, p[0], p[1], 0, 0, p[2], p[3]])]) : x;
  const window = (src: Value, i: number, j: number) => {
    if (c.pointwise) return src;
    const [y0, x0] = [i * dl[0], j * dl[1]];
    return op.slice(src, [y0, x0], [y0 + s[0] * (ho - 1) + 1, x0 + s[1] * (wo - 1) + 1], [2, 3], [s[0], s[1]]);
  };
  const perTap: Value[] = [];
  if (folded) {
    const rows = (n as number) * ho * wo;
    const dyT = op.reshape(op.transpose(op.reshape(d, [n as number, co, ho * wo]), [1, 0, 2]), [co, rows]);
    const xpT = op.transpose(xp, [1, 0, 2, 3]);
    for (let i = 0; i < k[0]; i++) for (let j = 0; j < k[1]; j++) perTap.push(op.matmul(dyT, op.transpose(op.reshape(window(xpT, i, j), [ci, rows]), [1, 0])));
  } else {
    const dyFlat = op.reshape(d, [0, co, -1]);
    for (let i = 0; i < k[0]; i++) for (let j = 0; j < k[1]; j++) perTap.push(unbroadcast(op.matmul(dyFlat, op.transpose(op.reshape(window(xp, i, j), [0, ci, -1]), [0, 2, 1])), [co, ci]));
  }
  if (perTap.length === 1) return op.reshape(perTap[0], [co, ci, k[0], k[1]]);
  return op.reshape(op.concat(perTap.map((t) => op.reshape(t, [co, ci, 1])), 2), [co, ci, k[0], k[1]]);
}
