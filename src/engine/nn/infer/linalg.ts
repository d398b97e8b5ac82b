// Shape rules for MatMul/Gemm, convolutions, pooling, normalisations and Resize.
import { InvalidArgumentError } from '../../../shared/errors';
import { intAttr, intsAttr, stringAttr } from '../attrs';
import { dtypeFromOnnx } from '../dtype';
import { type Dim, broadcastShapes, formatShape } from '../shape';
import { type Rule, constFloats, constInts, need, sameAs, windowOut } from './common';

function matmulShape(a: readonly Dim[], b: readonly Dim[]): Dim[] {
  if (a.length === 0 || b.length === 0) throw new InvalidArgumentError('MatMul operands must have rank ≥ 1.');
  const a2 = a.length === 1 ? [1, a[0]] : a;
  const b2 = b.length === 1 ? [b[0], 1] : b;
  const k1 = a2[a2.length - 1];
  const k2 = b2[b2.length - 2];
  if (typeof k1 === 'number' && typeof k2 === 'number' && k1 !== k2) {
    throw new InvalidArgumentError(`inner dims differ: ${formatShape(a)} × ${formatShape(b)} (${k1} vs ${k2}).`, 'The last dim of A must equal the second-to-last dim of B.');
  }
  const batch = broadcastShapes(a2.slice(0, -2), b2.slice(0, -2), 'MatMul batch dims');
  const out: Dim[] = [...batch, a2[a2.length - 2], b2[b2.length - 1]];
  if (a.length === 1) out.splice(out.length - 2, 1);
  if (b.length === 1) out.pop();
  return out;
}

/** Strides, dilations and pads of a sliding window over `sp` spatial dims, with ONNX's defaults. */
function windowAttrs(attrs: Parameters<Rule>[1], sp: number): { s: readonly number[]; d: readonly number[]; p: readonly number[] } {
  return {
    s: intsAttr(attrs, 'strides') ?? new Array(sp).fill(1),
    d: intsAttr(attrs, 'dilations') ?? new Array(sp).fill(1),
    p: intsAttr(attrs, 'pads') ?? new Array(2 * sp).fill(0),
  };
}

const conv: Rule = (ins, attrs) => {
  const x = need(ins, 0, 'X');
  const w = need(ins, 1, 'W');
  const sp = x.rank - 2;
  if (sp < 1 || w.rank !== x.rank) throw new InvalidArgumentError(`Conv needs X [N, C, ...] and W [M, C/group, ...] of the same rank, got ${formatShape(x.shape)} and ${formatShape(w.shape)}.`);
  const group = intAttr(attrs, 'group', 1);
  const cin = x.shape[1];
  if (typeof cin === 'number' && typeof w.shape[1] === 'number' && cin !== (w.shape[1] as number) * group) {
    throw new InvalidArgumentError(`X has ${cin} channels but W expects ${w.shape[1]}×${group} (group ${group}).`, 'The weight was built for a different input width.');
  }
  const autoPad = stringAttr(attrs, 'auto_pad', 'NOTSET');
  if (autoPad !== 'NOTSET' && autoPad !== 'VALID') throw new InvalidArgumentError(`auto_pad ${autoPad} is not supported by the builder; give explicit pads.`);
  const k = intsAttr(attrs, 'kernel_shape') ?? (w.shape.slice(2) as number[]);
  const { s, d, p } = windowAttrs(attrs, sp);
  const out: Dim[] = [x.shape[0], w.shape[0]];
  for (let i = 0; i < sp; i++) out.push(windowOut(x.shape[2 + i], k[i], s[i], p[i], p[i + sp], d[i]));
  return [{ dtype: x.dtype, shape: out }];
};

const convTranspose: Rule = (ins, attrs) => {
  const x = need(ins, 0, 'X');
  const w = need(ins, 1, 'W');
  const sp = x.rank - 2;
  const group = intAttr(attrs, 'group', 1);
  const k = intsAttr(attrs, 'kernel_shape') ?? (w.shape.slice(2) as number[]);
  const { s, d, p } = windowAttrs(attrs, sp);
  const op = intsAttr(attrs, 'output_padding') ?? new Array(sp).fill(0);
  const os = intsAttr(attrs, 'output_shape');
  const out: Dim[] = [x.shape[0], typeof w.shape[1] === 'number' ? (w.shape[1] as number) * group : w.shape[1]];
  for (let i = 0; i < sp; i++) {
    const inD = x.shape[2 + i];
    if (os) out.push(os[i]);
    else if (typeof inD === 'string') out.push(`${inD}_t${s[i]}`);
    else out.push(s[i] * (inD - 1) + op[i] + (k[i] - 1) * d[i] + 1 - p[i] - p[i + sp]);
  }
  return [{ dtype: x.dtype, shape: out }];
};

const pool: Rule = (ins, attrs, n) => {
  const x = need(ins, 0, 'X');
  const sp = x.rank - 2;
  const k = intsAttr(attrs, 'kernel_shape');
  if (!k) throw new InvalidArgumentError('pooling needs kernel_shape.');
  const { s, d, p } = windowAttrs(attrs, sp);
  const ceil = intAttr(attrs, 'ceil_mode', 0) === 1;
  const out: Dim[] = [x.shape[0], x.shape[1]];
  for (let i = 0; i < sp; i++) out.push(windowOut(x.shape[2 + i], k[i], s[i], p[i], p[i + sp], d[i], ceil));
  const r = [{ dtype: x.dtype, shape: out }];
  if (n > 1) r.push({ dtype: 'int64', shape: out });
  return r;
};

const globalPool: Rule = (ins) => {
  const x = need(ins, 0, 'X');
  return [{ dtype: x.dtype, shape: [x.shape[0], x.shape[1], ...new Array(x.rank - 2).fill(1)] }];
};

export const linalgRules: Record<string, Rule> = {
  MatMul: (ins) => {
    const a = need(ins, 0, 'A');
    const b = need(ins, 1, 'B');
    if (a.dtype !== b.dtype) throw new InvalidArgumentError(`operand types differ (${a.dtype} vs ${b.dtype}).`);
    return [{ dtype: a.dtype, shape: matmulShape(a.shape, b.shape) }];
  },
  Gemm: (ins, attrs) => {
    const a = need(ins, 0, 'A');
    const b = need(ins, 1, 'B');
    if (a.rank !== 2 || b.rank !== 2) throw new InvalidArgumentError(`Gemm needs 2-D operands, got ${formatShape(a.shape)} and ${formatShape(b.shape)}.`);
    const [m, ka] = intAttr(attrs, 'transA', 0) ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
    const [kb, nn] = intAttr(attrs, 'transB', 0) ? [b.shape[1], b.shape[0]] : [b.shape[0], b.shape[1]];
    if (typeof ka === 'number' && typeof kb === 'number' && ka !== kb) throw new InvalidArgumentError(`Gemm inner dims differ (${ka} vs ${kb}).`);
    if (ins[2]) broadcastShapes([m, nn], ins[2].shape, 'Gemm bias');
    return [{ dtype: a.dtype, shape: [m, nn] }];
  },
  Conv: conv,
  ConvTranspose: convTranspose,
  AveragePool: pool,
  MaxPool: pool,
  GlobalAveragePool: globalPool,
  GlobalMaxPool: globalPool,
  BatchNormalization: (ins, _a, n) => {
    const x = need(ins, 0, 'X');
    const c = [x.shape[1]];
    const r = [sameAs(x)];
    for (let i = 1; i < n; i++) r.push({ dtype: x.dtype, shape: c });
    return r;
  },
  InstanceNormalization: (ins) => [sameAs(need(ins, 0, 'input'))],
  GroupNormalization: (ins) => [sameAs(need(ins, 0, 'X'))],
  LayerNormalization: (ins, attrs, n) => {
    const x = need(ins, 0, 'X');
    const axis = intAttr(attrs, 'axis', -1);
    const a = axis < 0 ? axis + x.rank : axis;
    const stat = x.shape.map((dim, i) => (i < a ? dim : 1));
    const r = [sameAs(x)];
    const stash = dtypeFromOnnx(intAttr(attrs, 'stash_type', 1));
    for (let i = 1; i < n; i++) r.push({ dtype: stash, shape: stat });
    return r;
  },
  Resize: (ins) => {
    const x = need(ins, 0, 'X');
    const sizes = constInts(ins[3], 'Resize sizes');
    if (sizes) return [{ dtype: x.dtype, shape: sizes }];
    const scales = constFloats(ins[2], 'Resize scales');
    if (!scales) throw new InvalidArgumentError('Resize needs scales or sizes.');
    return [{ dtype: x.dtype, shape: x.shape.map((dim, i) => (typeof dim === 'number' ? Math.floor(dim * scales[i]) : scales[i] === 1 ? dim : `${dim}_r`)) }];
  },
};
