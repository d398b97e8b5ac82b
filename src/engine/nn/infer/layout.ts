// Shape rules for ops that move, select or reduce data: Reshape, Transpose, Concat, Split, Slice, (Un)squeeze,
// Expand, Tile, Gather*, TopK, Pad, reductions...
import { InvalidArgumentError } from '../../../shared/errors';
import { intAttr, intsAttr } from '../attrs';
import { dtypeFromOnnx } from '../dtype';
import { type Dim, broadcastShapes, formatShape, normAxis, numel } from '../shape';
import { type Rule, constInts, need, sameAs } from './common';

function reshape(inShape: readonly Dim[], target: number[], allowZero: boolean): Dim[] {
  const out: Dim[] = target.map((t, i) => (t === 0 && !allowZero ? inShape[i] : t));
  const neg = out.filter((d) => d === -1).length;
  if (neg > 1) throw new InvalidArgumentError(`Reshape target ${formatShape(target)} has more than one -1.`);
  const total = numel(inShape);
  if (neg === 1) {
    const known = out.filter((d) => d !== -1);
    const kn = numel(known);
    const idx = out.indexOf(-1);
    if (total !== undefined && kn !== undefined) {
      if (kn === 0 || total % kn !== 0) throw new InvalidArgumentError(`cannot reshape ${formatShape(inShape)} to ${formatShape(target)}.`);
      out[idx] = total / kn;
    } else {
      // Symbols cancel between input and output; what remains of the input (numbers and at most one symbol)
      // is the size of the -1 dim.
      const rest = inShape.filter((d) => typeof d === 'string') as string[];
      for (const d of known) if (typeof d === 'string' && rest.includes(d)) rest.splice(rest.indexOf(d), 1);
      const numIn = numel(inShape.filter((d) => typeof d === 'number'))!;
      const numOut = numel(known.filter((d) => typeof d === 'number'))!;
      const symOut = known.filter((d) => typeof d === 'string' && !inShape.includes(d));
      if (symOut.length === 0 && rest.length <= 1 && numOut > 0 && numIn % numOut === 0) {
        const ratio = numIn / numOut;
        out[idx] = rest.length === 0 ? ratio : ratio === 1 ? rest[0] : `${rest[0]}*${ratio}`;
      } else out[idx] = `reshape_${target.join('_')}`;
    }
  } else if (total !== undefined) {
    const n = numel(out);
    if (n !== undefined && n !== total) throw new InvalidArgumentError(`cannot reshape ${formatShape(inShape)} (${total} values) to ${formatShape(out)} (${n}).`);
  }
  return out;
}

const reduce: Rule = (ins, attrs) => {
  const x = need(ins, 0, 'data');
  const keep = intAttr(attrs, 'keepdims', 1) === 1;
  const axesIn = ins[1] ? constInts(ins[1], 'reduction axes') : intsAttr(attrs, 'axes');
  const noop = intAttr(attrs, 'noop_with_empty_axes', 0) === 1;
  if (!axesIn || axesIn.length === 0) {
    if (noop) return [sameAs(x)];
    return [{ dtype: x.dtype, shape: keep ? x.shape.map(() => 1) : [] }];
  }
  const axes = new Set(axesIn.map((a) => normAxis(a, x.rank, 'reduction')));
  const shape: Dim[] = [];
  x.shape.forEach((d, i) => {
    if (!axes.has(i)) shape.push(d);
    else if (keep) shape.push(1);
  });
  return [{ dtype: x.dtype, shape }];
};

function sliceDim(dim: Dim, start: number, end: number, step: number): Dim {
  if (typeof dim === 'string') {
    if (start === 0 && step === 1 && end >= 2 ** 31) return dim;
    if (start >= 0 && end >= 0 && end < 2 ** 31 && step > 0) return Math.max(0, Math.ceil((end - start) / step));
    return `${dim}_slice`;
  }
  const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
  let s = start < 0 ? start + dim : start;
  let e = end < 0 ? end + dim : end;
  if (step > 0) {
    s = clamp(s, 0, dim);
    e = clamp(e, 0, dim);
    return Math.max(0, Math.ceil((e - s) / step));
  }
  s = clamp(s, 0, dim - 1);
  e = clamp(e, -1, dim - 1);
  return Math.max(0, Math.ceil((e - s) / step));
}

export const layoutRules: Record<string, Rule> = {
  Reshape: (ins, attrs) => {
    const x = need(ins, 0, 'data');
    const target = constInts(need(ins, 1, 'shape'), 'Reshape shape')!;
    return [{ dtype: x.dtype, shape: reshape(x.shape, target, intAttr(attrs, 'allowzero', 0) === 1) }];
  },
  Flatten: (ins, attrs) => {
    const x = need(ins, 0, 'input');
    const a = normAxis(intAttr(attrs, 'axis', 1), x.rank + 1, 'Flatten');
    const p = (s: readonly Dim[]) => numel(s) ?? `flat_${s.join('x')}`;
    return [{ dtype: x.dtype, shape: [p(x.shape.slice(0, a)), p(x.shape.slice(a))] }];
  },
  Transpose: (ins, attrs) => {
    const x = need(ins, 0, 'data');
    const perm = intsAttr(attrs, 'perm') ?? x.shape.map((_, i) => x.rank - 1 - i);
    if (perm.length !== x.rank || new Set(perm).size !== x.rank) throw new InvalidArgumentError(`perm ${formatShape(perm)} is not a permutation of rank ${x.rank}.`);
    return [{ dtype: x.dtype, shape: perm.map((p) => x.shape[p]) }];
  },
  Concat: (ins, attrs) => {
    const first = need(ins, 0, 'inputs');
    const axis = normAxis(intAttr(attrs, 'axis', 0), first.rank, 'Concat');
    const shape = [...first.shape];
    for (let i = 1; i < ins.length; i++) {
      const v = need(ins, i, `input ${i}`);
      if (v.rank !== first.rank || v.dtype !== first.dtype) throw new InvalidArgumentError(`Concat inputs differ in rank or type: ${first.toString()} vs ${v.toString()}.`);
      v.shape.forEach((d, j) => {
        if (j !== axis && typeof d === 'number' && typeof shape[j] === 'number' && d !== shape[j]) {
          throw new InvalidArgumentError(`Concat along axis ${axis}: ${first.toString()} and ${v.toString()} differ in dim ${j}.`);
        }
      });
      const a = shape[axis];
      const b = v.shape[axis];
      shape[axis] = typeof a === 'number' && typeof b === 'number' ? a + b : `${a}+${b}`;
    }
    return [{ dtype: first.dtype, shape }];
  },
  Split: (ins, attrs, n) => {
    const x = need(ins, 0, 'input');
    const axis = normAxis(intAttr(attrs, 'axis', 0), x.rank, 'Split');
    const dim = x.shape[axis];
    let sizes = constInts(ins[1], 'Split sizes');
    if (!sizes) {
      const parts = intAttr(attrs, 'num_outputs', n);
      if (typeof dim !== 'number') throw new InvalidArgumentError('Split of a symbolic dim needs explicit sizes.');
      const each = Math.ceil(dim / parts);
      sizes = Array.from({ length: parts }, (_, i) => Math.min(each, dim - i * each));
    }
    if (typeof dim === 'number' && sizes.reduce((a, b) => a + b, 0) !== dim) throw new InvalidArgumentError(`Split sizes ${formatShape(sizes)} do not add up to ${dim}.`);
    return sizes.map((s) => ({ dtype: x.dtype, shape: x.shape.map((d, i) => (i === axis ? s : d)) }));
  },
  Slice: (ins) => {
    const x = need(ins, 0, 'data');
    const starts = constInts(need(ins, 1, 'starts'), 'Slice starts')!;
    const ends = constInts(need(ins, 2, 'ends'), 'Slice ends')!;
    const axes = constInts(ins[3], 'Slice axes') ?? starts.map((_, i) => i);
    const steps = constInts(ins[4], 'Slice steps') ?? starts.map(() => 1);
    const shape = [...x.shape];
    axes.forEach((a, i) => {
      const ax = normAxis(a, x.rank, 'Slice');
      shape[ax] = sliceDim(x.shape[ax], starts[i], ends[i], steps[i]);
    });
    return [{ dtype: x.dtype, shape }];
  },
  Unsqueeze: (ins) => {
    const x = need(ins, 0, 'data');
    const axes = constInts(need(ins, 1, 'axes'), 'Unsqueeze axes')!;
    const r = x.rank + axes.length;
    const set = new Set(axes.map((a) => normAxis(a, r, 'Unsqueeze')));
    const shape: Dim[] = [];
    let j = 0;
    for (let i = 0; i < r; i++) shape.push(set.has(i) ? 1 : x.shape[j++]);
    return [{ dtype: x.dtype, shape }];
  },
  Squeeze: (ins) => {
    const x = need(ins, 0, 'data');
    const axes = constInts(ins[1], 'Squeeze axes');
    const set = new Set((axes ?? x.shape.flatMap((d, i) => (d === 1 ? [i] : []))).map((a) => normAxis(a, x.rank, 'Squeeze')));
    for (const a of set) if (x.shape[a] !== 1 && typeof x.shape[a] === 'number') throw new InvalidArgumentError(`cannot squeeze axis ${a} of ${formatShape(x.shape)}.`);
    return [{ dtype: x.dtype, shape: x.shape.filter((_, i) => !set.has(i)) }];
  },
  Expand: (ins) => {
    const x = need(ins, 0, 'input');
    const s = constInts(need(ins, 1, 'shape'), 'Expand shape')!;
    return [{ dtype: x.dtype, shape: broadcastShapes(x.shape, s, 'Expand') }];
  },
  Tile: (ins) => {
    const x = need(ins, 0, 'input');
    const r = constInts(need(ins, 1, 'repeats'), 'Tile repeats')!;
    return [{ dtype: x.dtype, shape: x.shape.map((d, i) => (typeof d === 'number' ? d * r[i] : r[i] === 1 ? d : `${d}*${r[i]}`)) }];
  },
  Gather: (ins, attrs) => {
    const x = need(ins, 0, 'data');
    const idx = need(ins, 1, 'indices');
    const a = normAxis(intAttr(attrs, 'axis', 0), x.rank, 'Gather');
    return [{ dtype: x.dtype, shape: [...x.shape.slice(0, a), ...idx.shape, ...x.shape.slice(a + 1)] }];
  },
  GatherElements: (ins) => [{ dtype: need(ins, 0, 'data').dtype, shape: need(ins, 1, 'indices').shape }],
  ScatterElements: (ins) => [sameAs(need(ins, 0, 'data'))],
  TopK: (ins, attrs) => {
    const x = need(ins, 0, 'X');
    const k = constInts(need(ins, 1, 'K'), 'TopK K')![0];
    const a = normAxis(intAttr(attrs, 'axis', -1), x.rank, 'TopK');
    const shape = x.shape.map((d, i) => (i === a ? k : d));
    return [{ dtype: x.dtype, shape }, { dtype: 'int64', shape }];
  },
  OneHot: (ins, attrs) => {
    const idx = need(ins, 0, 'indices');
    const depth = constInts(need(ins, 1, 'depth'), 'OneHot depth')![0];
    const values = need(ins, 2, 'values');
    const axis = intAttr(attrs, 'axis', -1);
    const shape: Dim[] = [...idx.shape];
    shape.splice(axis < 0 ? shape.length + 1 + axis : axis, 0, depth);
    return [{ dtype: values.dtype, shape }];
  },
  ArgMax: (ins, attrs) => {
    const x = need(ins, 0, 'data');
    const a = normAxis(intAttr(attrs, 'axis', 0), x.rank, 'ArgMax');
    const keep = intAttr(attrs, 'keepdims', 1) === 1;
    return [{ dtype: 'int64', shape: keep ? x.shape.map((d, i) => (i === a ? 1 : d)) : x.shape.filter((_, i) => i !== a) }];
  },
  Shape: (ins) => [{ dtype: 'int64', shape: [need(ins, 0, 'data').rank] }],
  Size: () => [{ dtype: 'int64', shape: [] }],
  ConstantOfShape: (ins, attrs) => {
    const s = constInts(need(ins, 0, 'input'), 'ConstantOfShape shape')!;
    const v = attrs.value;
    const dtype = v && v.type === 'tensor' ? v.value.dtype : 'float32';
    return [{ dtype, shape: s }];
  },
  Pad: (ins) => {
    const x = need(ins, 0, 'data');
    const pads = constInts(need(ins, 1, 'pads'), 'Pad pads')!;
    const axes = constInts(ins[3], 'Pad axes') ?? x.shape.map((_, i) => i);
    const shape = [...x.shape];
    axes.forEach((a, i) => {
      const ax = normAxis(a, x.rank, 'Pad');
      const d = shape[ax];
      shape[ax] = typeof d === 'number' ? d + pads[i] + pads[i + axes.length] : `${d}_pad`;
    });
    return [{ dtype: x.dtype, shape }];
  },
  Range: (ins) => {
    const s = Number(need(ins, 0, 'start').constData?.[0] ?? NaN);
    const l = Number(need(ins, 1, 'limit').constData?.[0] ?? NaN);
    const d = Number(need(ins, 2, 'delta').constData?.[0] ?? NaN);
    const n = Number.isFinite(s + l + d) ? Math.max(0, Math.ceil((l - s) / d)) : 'range';
    return [{ dtype: ins[0]!.dtype, shape: [n] }];
  },
  Constant: (_ins, attrs) => {
    const v = attrs.value;
    if (!v || v.type !== 'tensor') throw new InvalidArgumentError('Constant needs a tensor value attribute.');
    return [{ dtype: v.value.dtype, shape: v.value.dims }];
  },
  EyeLike: (ins, attrs) => [{ dtype: attrs.dtype ? dtypeFromOnnx(intAttr(attrs, 'dtype', 1)) : need(ins, 0, 'input').dtype, shape: ins[0]!.shape }],
  ReduceSum: reduce,
  ReduceMean: reduce,
  ReduceMax: reduce,
  ReduceMin: reduce,
  ReduceProd: reduce,
  ReduceSumSquare: reduce,
  ReduceL2: reduce,
  ReduceLogSumExp: reduce,
};
