import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Graph } from '../../../src/engine/nn/graph';
import * as op from '../../../src/engine/nn/ops';
import { type AdamOptions, adamScalars } from '../../../src/engine/nn/optim/adam';
import { SATDIFUSER_SCHEDULE, warmupCosineLr } from '../../../src/engine/nn/optim/schedule';
import { compileTraining } from '../../../src/engine/nn/train/training-graph';
import { Trainer } from '../../../src/engine/nn/train/trainer';
import { Tensor } from '../../../src/engine/runtime';

const golden = JSON.parse(readFileSync('test/fixtures/nn/torch_golden.json', 'utf8'));

/** loss = Σ p₁·G₁ + Σ p₂·G₂, so the gradient of each parameter is exactly the fed G. */
function linearProbe(init: number[][], dtype: 'float64' | 'float32', optimizer: AdamOptions) {
  const g = new Graph({ name: 'probe' });
  const mk = dtype === 'float64' ? Float64Array : Float32Array;
  const p1 = g.param('p1', dtype, [5], mk.from(init[0]));
  const p2 = g.param('p2', dtype, [2, 2], mk.from(init[1]));
  const loss = op.add(op.sumAll(op.mul(p1, g.input('g1', dtype, [5]))), op.sumAll(op.mul(p2, g.input('g2', dtype, [2, 2]))));
  return compileTraining(g, loss, { optimizer });
}

describe('Adam and AdamW in the graph equal torch.optim', () => {
  for (const c of golden.optimizers) {
    it(`${c.kind}, weight decay ${c.weight_decay}, clip ${c.clip ?? 'none'}: three steps with changing learning rates`, async () => {
      const compiled = linearProbe(c.init, 'float64', { kind: c.kind, weightDecay: c.weight_decay, clipNorm: c.clip ?? undefined });
      const tr = await Trainer.create(compiled, { session: { providers: ['cpu'] } });
      for (const s of c.steps) {
        const r = await tr.trainStep({ g1: Tensor.of('float64', Float64Array.from(s.grads[0]), [5]), g2: Tensor.of('float64', Float64Array.from(s.grads[1]), [2, 2]) }, s.lr);
        const got = [...tr.value('p1').data, ...tr.value('p2').data] as number[];
        const want = [...s.params[0], ...s.params[1]];
        got.forEach((v, i) => expect(v).toBeCloseTo(want[i], 10));
        if (s.total_norm !== null) expect(r.gradNorm).toBeCloseTo(s.total_norm, 10);
      }
      await tr.release();
    });
  }

  it('one Adam step equals the update computed by hand', async () => {
    const compiled = linearProbe([[1, 2, 3, 4, 5], [0, 0, 0, 0]], 'float64', { kind: 'adamw', weightDecay: 0.1, beta1: 0.8, beta2: 0.9, eps: 1e-3 });
    const tr = await Trainer.create(compiled, { session: { providers: ['cpu'] } });
    const grads = [0.5, -1, 2, 0, 4];
    const lr = 0.1;
    // Step 2 by hand, starting from the state after step 1.
    await tr.trainStep({ g1: Tensor.of('float64', Float64Array.from(grads), [5]), g2: Tensor.zeros('float64', [2, 2]) }, lr);
    const p = Array.from(tr.value('p1').data as Float64Array);
    const m = Array.from(tr.value('adam.m.p1').data as Float64Array);
    const v = Array.from(tr.value('adam.v.p1').data as Float64Array);
    // After step 1: m = 0.2·g, v = 0.1·g², p = p0·(1 − lr·0.1) − lr/(1−0.8) · m / (√v/√(1−0.9) + 1e-3).
    grads.forEach((gr, i) => {
      expect(m[i]).toBeCloseTo(0.2 * gr, 14);
      expect(v[i]).toBeCloseTo(0.1 * gr * gr, 14);
      const p0 = i + 1;
      expect(p[i]).toBeCloseTo(p0 * (1 - lr * 0.1) - (lr / 0.2) * (0.2 * gr) / (Math.sqrt(0.1 * gr * gr) / Math.sqrt(0.1) + 1e-3), 12);
    });
    const g2 = [1, 1, -1, 0.5, 3];
    await tr.trainStep({ g1: Tensor.of('float64', Float64Array.from(g2), [5]), g2: Tensor.zeros('float64', [2, 2]) }, lr);
    const p2 = tr.value('p1').data as Float64Array;
    g2.forEach((gr, i) => {
      const mm = 0.8 * m[i] + 0.2 * gr;
      const vv = 0.9 * v[i] + 0.1 * gr * gr;
      const want = p[i] * (1 - lr * 0.1) - (lr / (1 - 0.8 ** 2)) * mm / (Math.sqrt(vv) / Math.sqrt(1 - 0.9 ** 2) + 1e-3);
      expect(p2[i]).toBeCloseTo(want, 12);
    });
    expect(tr.step).toBe(2);
    await tr.release();
  });

  it('keeps the state in ORT tensors with preallocated, alternating buffers and gets the same result', async () => {
    const c = golden.optimizers[2];
    const results: number[][] = [];
    for (const reuseBuffers of [false, true]) {
      const tr = await Trainer.create(linearProbe(c.init, 'float32', { kind: c.kind, weightDecay: c.weight_decay }), { session: { providers: ['cpu'] }, reuseBuffers });
      for (const s of c.steps) await tr.trainStep({ g1: Tensor.of('float32', Float32Array.from(s.grads[0]), [5]), g2: Tensor.of('float32', Float32Array.from(s.grads[1]), [2, 2]) }, s.lr);
      results.push(Array.from(tr.value('p1').data as Float32Array));
      await tr.release();
    }
    expect(results[1]).toEqual(results[0]);
    results[0].forEach((v, i) => expect(v).toBeCloseTo(c.steps[2].params[0][i], 5));
  });

  it('feeds bias-corrected scalars computed in double precision', () => {
    const s = adamScalars(0.01, 3, { beta1: 0.9, beta2: 0.999 });
    expect(s.stepSize).toBeCloseTo(0.01 / (1 - 0.9 ** 3), 15);
    expect(s.invBc2Sqrt).toBeCloseTo(1 / Math.sqrt(1 - 0.999 ** 3), 12);
    expect(() => adamScalars(0.01, 0)).toThrow(/count from 1/);
  });

  it('refuses a non-finite learning rate and reports a diverged loss', async () => {
    const tr = await Trainer.create(linearProbe([[1, 1, 1, 1, 1], [1, 1, 1, 1]], 'float32', {}), { session: { providers: ['cpu'] } });
    await expect(tr.trainStep({ g1: Tensor.zeros('float32', [5]), g2: Tensor.zeros('float32', [2, 2]) }, NaN)).rejects.toThrow(/learning rate/);
    await expect(tr.trainStep({ g1: Tensor.of('float32', new Float32Array(5).fill(Infinity), [5]), g2: Tensor.zeros('float32', [2, 2]) }, 0.1)).rejects.toMatchObject({ message: expect.stringMatching(/diverged at step 1/) });
    await tr.release();
  });
});

describe('warm-up + cosine schedule (SatDiFuser utils/lr_scheduler.py)', () => {
  it('starts at 2e-5, reaches the peak after warm-up, ends at the minimum and stays there', () => {
    const s = SATDIFUSER_SCHEDULE;
    expect(warmupCosineLr(0)).toBeCloseTo(2e-5, 15);
    expect(warmupCosineLr(1)).toBeCloseTo(2e-5 + (0.01 - 2e-5) / 5, 15);
    expect(warmupCosineLr(5)).toBeCloseTo(0.01, 15);
    expect(warmupCosineLr(22.5)).toBeCloseTo((0.01 + 1e-5) / 2, 15); // halfway through the cosine
    expect(warmupCosineLr(40)).toBeCloseTo(1e-5, 15);
    expect(warmupCosineLr(55)).toBeCloseTo(1e-5, 15);
    expect(warmupCosineLr(15, s)).toBeCloseTo(1e-5 + (0.01 - 1e-5) * 0.5 * (1 + Math.cos(Math.PI * 10 / 35)), 15);
    expect(() => warmupCosineLr(1, { ...s, warmupEpochs: 40 })).toThrow(/warmup/);
  });
});
