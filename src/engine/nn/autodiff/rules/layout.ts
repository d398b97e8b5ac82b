// Gradients of ops that move or select data.
import { InvalidArgumentError } from '../../../../shared/errors';
import { intAttr, intsAttr } from '../../attrs';
import type { Value } from '../../graph';
import { constInts } from '../../infer/common';
import * as op from '../../ops';
import { normAxis } from '../../shape';
import type { GradRule } from '../grad';
import { reshapeLike, unbroadcast, zerosLike } from '../helpers';

const staticDim = (v: Value, axis: number, what: string): number => {
  const n = v.shape[axis];
  if (typeof n !== 'number') throw new InvalidArgumentError(`${what} gradients need a static size on axis ${axis}, got ${v.toString()}.`);
  return n;
};

export const layoutGrads: Record<string, GradRule> = {
  Reshape: ({ node, dy: [d] }) => [reshapeLike(d!, node.inputs[0]!)],
  Flatten: ({ node, dy: [d] }) => [reshapeLike(d!, node.inputs[0]!)],
  Unsqueeze: ({ node, dy: [d] }) => [reshapeLike(d!, node.inputs[0]!)],
  Squeeze: ({ node, dy: [d] }) => [reshapeLike(d!, node.inputs[0]!)],
  Transpose: ({ node, dy: [d] }) => {
    const x = node.inputs[0]!;
    const perm = intsAttr(node.attrs, 'perm') ?? x.shape.map((_, i) => x.rank - 1 - i);
    const inv = new Array<number>(perm.length);
    perm.forEach((p, i) => (inv[p] = i));
    return [op.transpose(d!, inv)];
  },
  Expand: ({ node, dy: [d] }) => [unbroadcast(d!, node.inputs[0]!.shape)],
  Concat: ({ node, dy: [d] }) => {
    const axis = normAxis(intAttr(node.attrs, 'axis', 0), d!.rank, 'Concat');
    const sizes = node.inputs.map((v) => staticDim(v!, axis, 'Concat'));
    return op.split(d!, sizes, axis);
  },
  Split: ({ node, dy }) => {
    const axis = normAxis(intAttr(node.attrs, 'axis', 0), node.inputs[0]!.rank, 'Split');
    const parts = node.outputs.map((o, i) => dy[i] ?? zerosLike(o));
    return [op.concat(parts, axis), undefined];
  },
  Slice: ({ node, dy: [d], g }) => {
    const x = node.inputs[0]!;
    const starts = constInts(node.inputs[1], 'Slice starts')!;
    const ends = constInts(node.inputs[2], 'Slice ends')!;
    const axes = (constInts(node.inputs[3], 'Slice axes') ?? starts.map((_, i) => i)).map((a) => normAxis(a, x.rank, 'Slice'));
    const steps = constInts(node.inputs[4], 'Slice steps') ?? starts.map(() => 1);
    if (steps.some((s) => s !== 1)) throw new InvalidArgumentError('Slice gradients are implemented for step 1.', 'Strided selection in trainable graphs: use a strided conv or a selection matrix.');
    const pads = new Array<number>(2 * x.rank).fill(0);
    axes.forEach((a, i) => {
      const n = staticDim(x, a, 'Slice');
      const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + n : v, 0), n);
      const s = clamp(starts[i]);
      const e = Math.max(clamp(ends[i]), s);
      pads[a] = s;
      pads[a + x.rank] = n - e;
    });
    return [g.op1('Pad', [d!, g.ints(pads)])];
  },
  Pad: ({ node, dy: [d] }) => {
    const x = node.inputs[0]!;
    const mode = node.attrs.mode?.type === 'string' ? node.attrs.mode.value : 'constant';
    if (mode !== 'constant') throw new InvalidArgumentError(`Pad gradients are implemented for constant padding, not ${mode}.`);
    const pads = constInts(node.inputs[1], 'Pad pads')!;
    const axes = (constInts(node.inputs[3], 'Pad axes') ?? x.shape.map((_, i) => i)).map((a) => normAxis(a, x.rank, 'Pad'));
    if (pads.some((p) => p < 0)) throw new InvalidArgumentError('Pad gradients need non-negative pads.');
    const starts = axes.map((_, i) => pads[i]);
    const ends = axes.map((a, i) => pads[i] + staticDim(x, a, 'Pad'));
    return [op.slice(d!, starts, ends, axes)];
  },
  Tile: ({ node, dy: [d] }) => {
    const x = node.inputs[0]!;
    const reps = constInts(node.inputs[1], 'Tile repeats')!;
    // [.., r·n, ..] -> [.., r, n, ..] -> sum over r.
    const split: number[] = [];
    x.shape.forEach((_, i) => split.push(reps[i], staticDim(x, i, 'Tile')));
    const r = op.reshape(d!, split);
    return [op.reduceSum(r, x.shape.map((_, i) => 2 * i), false)];
  },
  GatherElements: ({ node, dy: [d], g }) => {
    const [x, idx] = [node.inputs[0]!, node.inputs[1]!];
    const axis = intAttr(node.attrs, 'axis', 0);
    return [g.op1('ScatterElements', [zerosLike(x), idx, d!], { axis, reduction: 'add' }), undefined];
  },
  ScatterElements: ({ node, dy: [d], need, g }) => {
    const [, idx, upd] = [node.inputs[0]!, node.inputs[1]!, node.inputs[2]!];
    const axis = intAttr(node.attrs, 'axis', 0);
    const reduction = node.attrs.reduction?.type === 'string' ? node.attrs.reduction.value : 'none';
    if (reduction !== 'none' && reduction !== 'add') throw new InvalidArgumentError(`ScatterElements gradients are implemented for reduction none/add, not ${reduction}.`);
    // Overwritten positions of data get no gradient (reduction none); updates get the gradient where they landed.
    const dData = need[0] ? (reduction === 'add' ? d : g.op1('ScatterElements', [d!, idx, zerosLike(upd)], { axis })) : undefined;
    const dUpd = need[2] ? op.gatherElements(d!, idx, axis) : undefined;
    return [dData, undefined, dUpd];
  },
  TopK: ({ node, dy: [dv], g }) => {
    const x = node.inputs[0]!;
    const axis = normAxis(intAttr(node.attrs, 'axis', -1), x.rank, 'TopK');
    if (!dv) return [undefined, undefined];
    return [g.op1('ScatterElements', [zerosLike(x), node.outputs[1], dv], { axis, reduction: 'add' }), undefined];
  },
};
