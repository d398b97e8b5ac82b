// Finite-difference checks of every gradient rule, op by op: float64 graphs where onnxruntime has float64
// kernels (2-point differences, h = 1e-6), float32 for Conv (no float64 kernel; 4-point differences).
import { describe, expect, it } from 'vitest';
import { float } from '../../../src/engine/nn/attrs';
import type { Graph } from '../../../src/engine/nn/graph';
import * as op from '../../../src/engine/nn/ops';
import { Tensor } from '../../../src/engine/runtime';
import { expectGradOk, f32, f64 } from './helpers';

const in64 = (g: Graph, name: string, dims: number[]) => g.input(name, 'float64', dims);

describe('gradients of MatMul and Gemm (float64)', () => {
  it('MatMul with a shared 2-D weight, batched, and broadcast batch dims', async () => {
    for (const [sa, sb] of [[[2, 3, 4], [4, 5]], [[2, 3, 4], [2, 4, 5]], [[3, 4], [2, 4, 5]], [[2, 1, 3, 4], [3, 4, 2]]]) {
      await expectGradOk({ build: (g) => op.matmul(in64(g, 'a', sa), in64(g, 'b', sb)), feeds: { a: f64(sa, 1), b: f64(sb, 2) } });
    }
  });
  it('Gemm with every transpose combination, alpha, beta and a broadcast bias', async () => {
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
      const sa = ta ? [4, 3] : [3, 4];
      const sb = tb ? [5, 4] : [4, 5];
      await expectGradOk({
        build: (g) => op.gemm(in64(g, 'a', sa), in64(g, 'b', sb), in64(g, 'c', [5]), { transA: ta, transB: tb, alpha: 0.7, beta: 1.3 }),
        feeds: { a: f64(sa, 1), b: f64(sb, 2), c: f64([5], 3) },
      });
    }
  });
});

describe('gradients of Conv (float32)', () => {
  const cases: { name: string; x: number[]; w: number[]; attrs: op.ConvAttrs; bias?: boolean }[] = [
    { name: '1×1 stride 1', x: [2, 5, 6, 6], w: [4, 5, 1, 1], attrs: {} },
    { name: '3×3 stride 1 pad 1 with bias', x: [2, 3, 7, 7], w: [4, 3, 3, 3], attrs: { pads: [1, 1, 1, 1] }, bias: true },
    { name: '3×3 stride 2 pad 1 (odd input: output_padding)', x: [2, 3, 7, 7], w: [4, 3, 3, 3], attrs: { strides: [2, 2], pads: [1, 1, 1, 1] } },
    { name: '3×3 stride 2 pad 1 (even input)', x: [1, 2, 8, 8], w: [3, 2, 3, 3], attrs: { strides: [2, 2], pads: [1, 1, 1, 1] }, bias: true },
    { name: '1×1 stride 2', x: [1, 3, 6, 6], w: [2, 3, 1, 1], attrs: { strides: [2, 2] } },
    { name: '3×3 dilation 2, asymmetric pads', x: [1, 2, 9, 8], w: [3, 2, 3, 3], attrs: { dilations: [2, 2], pads: [2, 1, 2, 0] } },
    { name: '3×1 kernel', x: [1, 2, 6, 5], w: [3, 2, 3, 1], attrs: { pads: [1, 0, 1, 0] } },
    // Wide channels on small maps take the batch-folded weight-gradient layout ([Co, N·P]·[N·P, Ci]).
    { name: 'wide 3×3 pad 1 on a 3×3 map (folded dW)', x: [2, 16, 3, 3], w: [12, 16, 3, 3], attrs: { pads: [1, 1, 1, 1] }, bias: true },
    { name: 'wide 1×1 on a 2×2 map (folded dW)', x: [3, 24, 2, 2], w: [20, 24, 1, 1], attrs: {} },
    { name: 'wide 3×3 stride 2 (folded dW)', x: [2, 16, 5, 5], w: [12, 16, 3, 3], attrs: { strides: [2, 2], pads: [1, 1, 1, 1] } },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      await expectGradOk({
        build: (g) => op.conv(g.input('x', 'float32', c.x), g.input('w', 'float32', c.w), c.bias ? g.input('b', 'float32', [c.w[0]]) : undefined, c.attrs),
        feeds: { x: f32(c.x, 1), w: f32(c.w, 2), ...(c.bias ? { b: f32([c.w[0]], 3) } : {}) },
        eps: 0.25, // Conv is linear in each operand: differences are exact up to rounding, so a large step is best.
      });
    });
  }
});

describe('gradients of pooling (float32: no float64 kernel; linear, so exact differences)', () => {
  it('GlobalAveragePool', async () => {
    await expectGradOk({ build: (g) => g.op1('GlobalAveragePool', [g.input('x', 'float32', [2, 3, 4, 5])]), feeds: { x: f32([2, 3, 4, 5], 1) }, eps: 0.25 });
  });
});

describe('float64 Conv lowering (im2col + MatMul) equals onnxruntime Conv', () => {
  it('for 1×1, 3×3, stride 2, dilation and asymmetric pads', async () => {
    const { Graph } = await import('../../../src/engine/nn/graph');
    const { serializeModel } = await import('../../../src/engine/nn/serialize');
    const { Session } = await import('../../../src/engine/runtime');
    const cases: [number[], number[], op.ConvAttrs][] = [[[2, 5, 6, 6], [4, 5, 1, 1], {}], [[2, 3, 7, 7], [4, 3, 3, 3], { strides: [2, 2], pads: [1, 1, 1, 1] }], [[1, 2, 9, 8], [3, 2, 3, 3], { dilations: [2, 2], pads: [2, 1, 2, 0] }]];
    for (const [xs, ws, attrs] of cases) {
      const outs: Float64Array[] = [];
      for (const dtype of ['float32', 'float64'] as const) {
        const g = new Graph();
        g.output(op.conv(g.input('x', dtype, xs), g.input('w', dtype, ws), g.input('b', dtype, [ws[0]]), attrs), 'y');
        if (dtype === 'float64') expect(g.nodes.some((n) => n.opType === 'Conv')).toBe(false);
        const s = await Session.create(serializeModel(g), { providers: ['cpu'] });
        const mk = dtype === 'float32' ? f32 : f64;
        const o = await s.run({ x: mk(xs, 1), w: mk(ws, 2), b: mk([ws[0]], 3) });
        outs.push(o.y.toFloat64());
        await s.release();
      }
      expect(outs[1].length).toBe(outs[0].length);
      outs[0].forEach((v, i) => expect(outs[1][i]).toBeCloseTo(v, 4));
    }
  });
});

describe('gradients of elementwise ops with broadcasting (float64)', () => {
  const shapes: [number[], number[]][] = [[[2, 3, 4], [3, 1]], [[2, 3, 4], [1]], [[3, 1], [2, 1, 4]], [[2, 3, 4], [2, 3, 4]], [[4], []]];
  for (const name of ['Add', 'Sub', 'Mul', 'Div'] as const) {
    it(`${name} reduces each operand's gradient to its shape`, async () => {
      for (const [sa, sb] of shapes) {
        await expectGradOk({
          build: (g) => g.op1(name, [in64(g, 'a', sa), in64(g, 'b', sb)]),
          feeds: { a: f64(sa, 1), b: f64(sb, 2, name === 'Div' ? { awayFromZero: 0.5 } : {}) },
        });
      }
    });
  }
  it('a scalar with a tensor ending in 1-sized dims (emitted on a flattened view) keeps values, shape and gradient', async () => {
    await expectGradOk({
      build: (g) => {
        const x = in64(g, 'x', [3, 4, 1, 1]);
        const y = op.add(op.mul(x, 1.5), op.div(2, op.add(op.mul(x, x), 1)));
        expect(y.shape).toEqual([3, 4, 1, 1]);
        expect(g.nodes.some((n) => n.opType === 'Reshape')).toBe(true);
        return op.sub(y, g.input('s', 'float64', []));
      },
      feeds: { x: f64([3, 4, 1, 1], 1), s: f64([], 2) },
    });
  });
  it('Pow: integer exponent and tensor exponent', async () => {
    await expectGradOk({ build: (g) => op.pow(in64(g, 'a', [2, 3]), 3), feeds: { a: f64([2, 3], 1) } });
    await expectGradOk({ build: (g) => op.pow(in64(g, 'a', [2, 3]), in64(g, 'b', [3])), feeds: { a: f64([2, 3], 1, { positive: true }), b: f64([3], 2) } });
  });
  const unary: [string, (x: import('../../../src/engine/nn/graph').Value) => import('../../../src/engine/nn/graph').Value, object][] = [
    ['Relu', op.relu, { awayFromZero: 0.05 }],
    ['SiLU', op.silu, {}],
    ['Sigmoid', op.sigmoid, {}],
    ['Exp', op.exp, {}],
    ['Log', op.log, { positive: true }],
    ['Sqrt', op.sqrt, { positive: true }],
    ['Tanh', op.tanh, {}],
    ['Abs', op.abs, { awayFromZero: 0.05 }],
    ['Neg', op.neg, {}],
    ['Softplus', (x) => x.graph.op1('Softplus', [x]), {}],
    ['LeakyRelu', (x) => x.graph.op1('LeakyRelu', [x], { alpha: 0.2 }), { awayFromZero: 0.05 }],
    ['Clip', (x) => x.graph.op1('Clip', [x, x.graph.scalar(-0.5, 'float64'), x.graph.scalar(0.7, 'float64')]), { awayFromZero: 0.05 }],
    ['Reciprocal', (x) => x.graph.op1('Reciprocal', [x]), { awayFromZero: 0.5 }],
  ];
  for (const [name, fn, o] of unary) {
    it(name, async () => {
      await expectGradOk({ build: (g) => fn(in64(g, 'x', [3, 5])), feeds: { x: f64([3, 5], 7, o) } });
    });
  }
  it('Max and Min (ties split the gradient, as in torch.maximum)', async () => {
    const b = f64([3, 4], 2);
    for (const name of ['Max', 'Min']) {
      await expectGradOk({ build: (g) => g.op1(name, [in64(g, 'a', [3, 4]), in64(g, 'b', [4])]), feeds: { a: f64([3, 4], 1), b: Tensor.of('float64', (b.data as Float64Array).slice(0, 4), [4]) } });
    }
  });
  it('Where routes the gradient by the condition', async () => {
    await expectGradOk({
      build: (g) => {
        const a = in64(g, 'a', [3, 4]);
        const b = in64(g, 'b', [4]);
        return op.where(g.op1('Greater', [g.input('c', 'float64', [3, 4]), g.scalar(0, 'float64')]), a, b);
      },
      feeds: { a: f64([3, 4], 1), b: f64([4], 2), c: f64([3, 4], 3) },
      wrt: ['a', 'b'],
    });
  });
});

describe('gradients of Softmax and reductions (float64)', () => {
  for (const axis of [0, 1, 2, -1]) {
    it(`Softmax and LogSoftmax along axis ${axis}`, async () => {
      await expectGradOk({ build: (g) => op.softmax(in64(g, 'x', [2, 3, 4]), axis), feeds: { x: f64([2, 3, 4], 1) } });
      await expectGradOk({ build: (g) => op.logSoftmax(in64(g, 'x', [2, 3, 4]), axis), feeds: { x: f64([2, 3, 4], 1) } });
    });
  }
  for (const keep of [true, false]) {
    it(`ReduceMean and ReduceSum (keepdims ${keep})`, async () => {
      for (const axes of [[1], [0, 2], [2, 1]]) {
        await expectGradOk({ build: (g) => op.reduceMean(in64(g, 'x', [2, 3, 4]), axes, keep), feeds: { x: f64([2, 3, 4], 1) } });
        await expectGradOk({ build: (g) => op.reduceSum(in64(g, 'x', [2, 3, 4]), axes, keep), feeds: { x: f64([2, 3, 4], 1) } });
      }
      await expectGradOk({ build: (g) => op.sumAll(in64(g, 'x', [2, 3])), feeds: { x: f64([2, 3], 1) } });
    });
  }
  it('inference-mode BatchNormalization (frozen statistics)', async () => {
    await expectGradOk({
      build: (g) => g.op1('BatchNormalization', [in64(g, 'x', [2, 3, 2, 2]), in64(g, 'scale', [3]), in64(g, 'b', [3]), g.constant(Float64Array.of(0.1, -0.2, 0.3), 'float64', [3]), g.constant(Float64Array.of(1.5, 0.5, 2), 'float64', [3])], { epsilon: float(1e-5) }),
      feeds: { x: f64([2, 3, 2, 2], 1), scale: f64([3], 2), b: f64([3], 3) },
    });
  });
});

describe('gradients of layout ops (float64)', () => {
  const x = () => f64([2, 3, 4], 1);
  const cases: [string, (g: Graph) => import('../../../src/engine/nn/graph').Value][] = [
    ['Reshape', (g) => op.reshape(in64(g, 'x', [2, 3, 4]), [4, -1])],
    ['Transpose', (g) => op.transpose(in64(g, 'x', [2, 3, 4]), [2, 0, 1])],
    ['Concat', (g) => op.concat([in64(g, 'x', [2, 3, 4]), op.mul(in64(g, 'y', [2, 1, 4]), 2)], 1)],
    ['Split', (g) => { const [a, b] = op.split(in64(g, 'x', [2, 3, 4]), [1, 3], 2); return op.mul(op.reduceSum(a, [2]), op.reduceSum(b, [2])); }],
    ['Split with an unused part', (g) => op.split(in64(g, 'x', [2, 3, 4]), [2, 1], 1)[0]],
    ['Slice', (g) => op.slice(in64(g, 'x', [2, 3, 4]), [1, -3], [3, 100], [1, 2])],
    ['Unsqueeze', (g) => op.unsqueeze(in64(g, 'x', [2, 3, 4]), [0, 3])],
    ['Squeeze', (g) => op.squeeze(op.mul(in64(g, 'x', [2, 3, 4]), in64(g, 'z', [2, 1, 4])), [])],
    ['Expand', (g) => op.expand(in64(g, 'x', [2, 3, 4]), [3, 2, 3, 4])],
    ['Tile', (g) => g.op1('Tile', [in64(g, 'x', [2, 3, 4]), g.ints([2, 1, 3])])],
    ['Pad', (g) => g.op1('Pad', [in64(g, 'x', [2, 3, 4]), g.ints([0, 1, 2, 1, 0, 3])])],
  ];
  for (const [name, build] of cases) {
    it(name, async () => {
      const all: Record<string, Tensor> = { x: x(), y: f64([2, 1, 4], 2), z: f64([2, 1, 4], 3) };
      const feeds = Object.fromEntries(Object.entries(all).filter(([k]) => k === 'x' || new RegExp(`['"]${k}['"]`).test(build.toString())));
      await expectGradOk({ build, feeds });
    });
  }
  it('GatherElements and ScatterElements (repeated indices accumulate)', async () => {
    const idx = Tensor.of('int64', BigInt64Array.from([0, 2, 2, 1, 0, 0, 1, 1], (v) => BigInt(v)), [2, 4]);
    await expectGradOk({ build: (g) => op.gatherElements(in64(g, 'x', [3, 4]), g.input('i', 'int64', [2, 4]), 0), feeds: { x: f64([3, 4], 1), i: idx } });
    const uniq = Tensor.of('int64', BigInt64Array.from([0, 2, 1, 1, 2, 0, 0, 2], (v) => BigInt(v)), [2, 4]);
    await expectGradOk({ build: (g) => g.op1('ScatterElements', [in64(g, 'x', [3, 4]), g.input('i', 'int64', [2, 4]), in64(g, 'u', [2, 4])], { axis: 0 }), feeds: { x: f64([3, 4], 1), u: f64([2, 4], 2), i: uniq } });
    await expectGradOk({ build: (g) => g.op1('ScatterElements', [in64(g, 'x', [3, 4]), g.input('i', 'int64', [2, 4]), in64(g, 'u', [2, 4])], { axis: 0, reduction: 'add' }), feeds: { x: f64([3, 4], 1), u: f64([2, 4], 2), i: idx } });
  });
  it('TopK passes the gradient to the selected entries only', async () => {
    await expectGradOk({ build: (g) => op.topk(in64(g, 'x', [3, 6]), 2, 1)[0], feeds: { x: f64([3, 6], 1) } });
  });
});
