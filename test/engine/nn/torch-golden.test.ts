// Our ops against PyTorch's own numbers (tools/bench_torch/golden_nn.py → test/fixtures/nn/torch_golden.json):
// the semantics we copy, checked at the source. Inputs come from the fixture, so both sides see the same values.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { gradients } from '../../../src/engine/nn/autodiff/grad';
import { adaptiveAvgPool2d, resizeBilinear } from '../../../src/engine/nn/blocks/resample';
import { batchNorm, groupNorm } from '../../../src/engine/nn/blocks/norm';
import { Graph, type Value } from '../../../src/engine/nn/graph';
import { bceWithLogits } from '../../../src/engine/nn/loss/bce';
import { crossEntropy } from '../../../src/engine/nn/loss/cross-entropy';
import * as op from '../../../src/engine/nn/ops';
import { serializeModel } from '../../../src/engine/nn/serialize';
import { Session, Tensor } from '../../../src/engine/runtime';

const golden = JSON.parse(readFileSync('test/fixtures/nn/torch_golden.json', 'utf8'));
interface T { shape: number[]; data: number[] }
const t64 = (t: T) => Tensor.of('float64', Float64Array.from(t.data), t.shape);

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void {
  expect(got.length, what).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(1, Math.abs(want[i])));
  expect(worst, what).toBeLessThanOrEqual(tol);
}

async function run(g: Graph, feeds: Record<string, Tensor>, paramsAs: 'inputs' | 'initializers' = 'initializers'): Promise<Record<string, Tensor>> {
  const s = await Session.create(serializeModel(g, { paramsAs }), { providers: ['cpu'] });
  try {
    return await s.run(feeds);
  } finally {
    await s.release();
  }
}

describe('bilinear resize and adaptive pooling match PyTorch', () => {
  it('F.interpolate(bilinear, align_corners False and True), up and down, non-square', async () => {
    for (const c of golden.resize_bilinear) {
      for (const [key, ac] of [['y', false], ['y_align_corners', true]] as const) {
        const g = new Graph();
        const x = g.input('x', 'float64', c.x.shape);
        g.output(resizeBilinear(x, c.size[0], c.size[1], ac), 'y');
        const out = await run(g, { x: t64(c.x) });
        expect(out.y.dims).toEqual(c[key].shape);
        expectClose(out.y.data as Float64Array, c[key].data, 1e-10, `${c.x.shape} → ${c.size} ac=${ac}`);
      }
    }
  });
  it('F.adaptive_avg_pool2d including sizes that do not divide the input (PPM 3 and 6 on 4×4)', async () => {
    for (const c of golden.adaptive_avg_pool) {
      const g = new Graph();
      g.output(adaptiveAvgPool2d(g.input('x', 'float64', c.x.shape), c.size[0], c.size[1]), 'y');
      const out = await run(g, { x: t64(c.x) });
      expect(out.y.dims).toEqual(c.y.shape);
      expectClose(out.y.data as Float64Array, c.y.data, 1e-10, `${c.x.shape} → ${c.size}`);
    }
  });
});

describe('losses match PyTorch (value and gradient)', () => {
  it('cross-entropy with ignore_index and class weights (weighted mean)', async () => {
    for (const c of golden.cross_entropy) {
      const g = new Graph();
      const logits = g.input('logits', 'float64', c.logits.shape);
      const target = g.input('target', 'int64', c.target_shape);
      const loss = crossEntropy(logits, target, { ignoreIndex: c.ignore_index, classWeights: c.weights ? Float64Array.from(c.weights) : undefined });
      g.output(loss, 'loss');
      g.output(gradients(loss, [logits]).get(logits)!, 'grad');
      const out = await run(g, { logits: t64(c.logits), target: Tensor.of('int64', BigInt64Array.from(c.target, (v: number) => BigInt(v)), c.target_shape) });
      expectClose([out.loss.item()], [c.loss], 1e-10, 'loss');
      expectClose(out.grad.data as Float64Array, c.grad, 1e-10, 'grad');
    }
  });
  it('binary cross-entropy with logits, with and without pos_weight', async () => {
    for (const c of golden.bce_with_logits) {
      const g = new Graph();
      const logits = g.input('logits', 'float64', c.logits.shape);
      const loss = bceWithLogits(logits, g.input('target', 'float64', c.target.shape), { posWeight: c.pos_weight ? Float64Array.from(c.pos_weight) : undefined });
      g.output(loss, 'loss');
      g.output(gradients(loss, [logits]).get(logits)!, 'grad');
      const out = await run(g, { logits: t64(c.logits), target: t64(c.target) });
      expectClose([out.loss.item()], [c.loss], 1e-10, 'loss');
      expectClose(out.grad.data as Float64Array, c.grad, 1e-10, 'grad');
    }
  });
});

describe('normalisations match PyTorch', () => {
  async function normCase(kind: 'gn' | 'bn') {
    const c = kind === 'gn' ? golden.group_norm : golden.batch_norm_train;
    const c4 = c.x.shape[1];
    const weights = new Map<string, Float64Array>([['n.weight', Float64Array.from(c.weight)], ['n.bias', Float64Array.from(c.bias)]]);
    if (kind === 'bn') {
      weights.set('n.running_mean', Float64Array.from(c.running_mean));
      weights.set('n.running_var', Float64Array.from(c.running_var));
    }
    const g = new Graph({ training: true, weights });
    const x = g.input('x', 'float64', c.x.shape);
    const y = g.scope('n', () => (kind === 'gn' ? groupNorm(x, { groups: c.groups }) : batchNorm(x)));
    const r = g.constant(Float64Array.from(c.r), 'float64', c.x.shape);
    const loss = op.sumAll(op.mul(y, r));
    const params = g.trainableParams;
    const grads = gradients(loss, [x, ...params]);
    g.output(y, 'y');
    g.output(grads.get(x)!, 'dx');
    g.output(grads.get(params.find((p) => p.name === 'n.weight')!)!, 'dw');
    g.output(grads.get(params.find((p) => p.name === 'n.bias')!)!, 'db');
    for (const [name, v] of g.bufferUpdates) g.output(v, `next.${name}`);
    const out = await run(g, { x: t64(c.x) });
    expectClose(out.y.data as Float64Array, c.y.data, 1e-9, 'y');
    expectClose(out.dx.data as Float64Array, c.dx, 1e-9, 'dx');
    expectClose(out.dw.data as Float64Array, c.dweight, 1e-9, 'dweight');
    expectClose(out.db.data as Float64Array, c.dbias, 1e-9, 'dbias');
    if (kind === 'bn') {
      expectClose(out['next.n.running_mean'].data as Float64Array, c.new_running_mean, 1e-10, 'running_mean');
      expectClose(out['next.n.running_var'].data as Float64Array, c.new_running_var, 1e-10, 'running_var (unbiased)');
    }
    expect(c4).toBeGreaterThan(0);
  }
  it('GroupNorm(4, 8): output and gradients of input, weight and bias', () => normCase('gn'));
  it('GroupNorm(4, 8) in float32 (LayerNormalization kernel + its gradient rule) within float32 rounding', async () => {
    const c = golden.group_norm;
    const f = (a: number[]) => Float32Array.from(a);
    const g = new Graph({ weights: new Map([['n.weight', f(c.weight)], ['n.bias', f(c.bias)]]) });
    const x = g.input('x', 'float32', c.x.shape);
    const y = g.scope('n', () => groupNorm(x, { groups: c.groups }));
    expect(g.nodes.some((n) => n.opType === 'LayerNormalization')).toBe(true);
    const loss = op.sumAll(op.mul(y, g.constant(f(c.r), 'float32', c.x.shape)));
    const [w, b] = g.trainableParams;
    const grads = gradients(loss, [x, w, b]);
    g.output(y, 'y');
    g.output(grads.get(x)!, 'dx');
    g.output(grads.get(w)!, 'dw');
    g.output(grads.get(b)!, 'db');
    const out = await run(g, { x: Tensor.of('float32', f(c.x.data), c.x.shape) });
    expectClose(out.y.data as Float32Array, c.y.data, 2e-6, 'y');
    expectClose(out.dx.data as Float32Array, c.dx, 2e-5, 'dx');
    expectClose(out.dw.data as Float32Array, c.dweight, 2e-5, 'dweight');
    expectClose(out.db.data as Float32Array, c.dbias, 2e-5, 'dbias');
  });
  it('LayerNormalization with learned scale and bias (float32 rule) equals the float64 decomposition', async () => {
    const shape = [3, 4, 5];
    const results: Record<string, Float64Array>[] = [];
    for (const dt of ['float32', 'float64'] as const) {
      const g = new Graph();
      const mk = (seed: number, dims: number[]) => { const d = Float64Array.from({ length: dims.reduce((a, v) => a * v, 1) }, (_, i) => Math.sin(seed * 7.1 + i * 1.3) * 1.5); return dt === 'float32' ? Float32Array.from(d) : d; };
      const x = g.input('x', dt, shape);
      const sc = g.input('scale', dt, [4, 5]);
      const bi = g.input('bias', dt, [5]);
      let y: Value;
      if (dt === 'float32') y = g.op('LayerNormalization', [x, sc, bi], { axis: 1, epsilon: 1e-5, stash_type: 1 }, { outputs: 3 })[0];
      else {
        const mean = op.reduceMean(x, [1, 2]);
        const xc = op.sub(x, mean);
        y = op.add(op.mul(op.div(xc, op.sqrt(op.add(op.reduceMean(op.mul(xc, xc), [1, 2]), 1e-5))), sc), bi);
      }
      const loss = op.sumAll(op.mul(y, g.constant(mk(9, shape), dt, shape)));
      const gr = gradients(loss, [x, sc, bi]);
      g.output(gr.get(x)!, 'dx');
      g.output(gr.get(sc)!, 'ds');
      g.output(gr.get(bi)!, 'db');
      const out = await run(g, { x: Tensor.of(dt, mk(1, shape), shape), scale: Tensor.of(dt, mk(2, [4, 5]), [4, 5]), bias: Tensor.of(dt, mk(3, [5]), [5]) });
      results.push(Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.toFloat64()])));
    }
    for (const k of ['dx', 'ds', 'db']) expectClose(results[0][k], results[1][k], 1e-5, k);
  });
  it('BatchNorm2d in training mode: output, gradients, running statistics with the unbiased variance', () => normCase('bn'));
  it('BatchNorm2d in eval mode uses the running statistics', async () => {
    const c = golden.batch_norm_train;
    const weights = new Map<string, Float64Array>([['n.weight', Float64Array.from(c.weight)], ['n.bias', Float64Array.from(c.bias)], ['n.running_mean', Float64Array.from(c.running_mean)], ['n.running_var', Float64Array.from(c.running_var)]]);
    const g = new Graph({ training: false, weights });
    const x: Value = g.input('x', 'float64', c.x.shape);
    g.output(g.scope('n', () => batchNorm(x)), 'y');
    const out = await run(g, { x: t64(c.x) });
    const [n, ch, h, w] = c.x.shape;
    const want = c.x.data.map((v: number, i: number) => {
      const k = Math.floor(i / (h * w)) % ch;
      return ((v - c.running_mean[k]) / Math.sqrt(c.running_var[k] + 1e-5)) * c.weight[k] + c.bias[k];
    });
    expect(n).toBe(3);
    expectClose(out.y.data as Float64Array, want, 1e-12, 'eval BN');
  });
});
