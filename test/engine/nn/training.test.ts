// The training engine end to end: a small conv net learns a known per-pixel mapping (labels from a fixed
// "teacher" convolution) on generated data; runs are reproducible; checkpoints round-trip; the inference graph
// built from trained weights computes what the training graph computed; early stopping, progress and cancel.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { conv2d } from '../../../src/engine/nn/blocks/conv';
import { batchNorm, groupNorm } from '../../../src/engine/nn/blocks/norm';
import { Graph, type Value } from '../../../src/engine/nn/graph';
import { crossEntropy } from '../../../src/engine/nn/loss/cross-entropy';
import * as op from '../../../src/engine/nn/ops';
import { warmupCosineLr } from '../../../src/engine/nn/optim/schedule';
import { Rng } from '../../../src/engine/nn/rng';
import { serializeModel } from '../../../src/engine/nn/serialize';
import { loadCheckpoint, saveTrainerCheckpoint } from '../../../src/engine/nn/train/checkpoint';
import { indexedBatches } from '../../../src/engine/nn/train/data';
import { type ProgressEvent, fit } from '../../../src/engine/nn/train/loop';
import { compileTraining } from '../../../src/engine/nn/train/training-graph';
import { Trainer } from '../../../src/engine/nn/train/trainer';
import type { TypedArray } from '../../../src/engine/nn/dtype';
import { Session, Tensor } from '../../../src/engine/runtime';

const [C, H, K, B] = [3, 8, 4, 8];

/** Inputs N(0,1); label of a pixel = argmax over K of a fixed 3×3 teacher convolution. */
function makeData(n: number, seed: number): { x: Float32Array; y: BigInt64Array } {
  const rng = new Rng(seed);
  const teacher = new Rng(99);
  const tw = Float64Array.from({ length: K * C * 9 }, () => teacher.normal());
  const x = Float32Array.from({ length: n * C * H * H }, () => rng.normal());
  const y = new BigInt64Array(n * H * H);
  for (let s = 0; s < n; s++) for (let i = 0; i < H; i++) for (let j = 0; j < H; j++) {
    let best = -Infinity;
    let arg = 0;
    for (let k = 0; k < K; k++) {
      let v = 0;
      for (let c = 0; c < C; c++) for (let a = -1; a <= 1; a++) for (let b = -1; b <= 1; b++) {
        const ii = i + a;
        const jj = j + b;
        if (ii >= 0 && ii < H && jj >= 0 && jj < H) v += x[((s * C + c) * H + ii) * H + jj] * tw[((k * C + c) * 3 + a + 1) * 3 + b + 1];
      }
      if (v > best) [best, arg] = [v, k];
    }
    y[(s * H + i) * H + j] = BigInt(arg);
  }
  return { x, y };
}

function model(g: Graph, x: Value, norm: 'bn' | 'gn'): Value {
  const h = g.scope('conv1', () => conv2d(x, { out: 16, kernel: 3 }));
  const n = g.scope('norm1', () => (norm === 'bn' ? batchNorm(h) : groupNorm(h, { groups: 4 })));
  return g.scope('cls', () => conv2d(op.relu(n), { out: K, kernel: 1 }));
}

function compile(norm: 'bn' | 'gn', seed = 5) {
  const g = new Graph({ name: 'toy-train', seed, training: true });
  const x = g.input('x', 'float32', [B, C, H, H]);
  const logits = model(g, x, norm);
  const loss = crossEntropy(logits, g.input('y', 'int64', [B, H, H]));
  return compileTraining(g, loss, { optimizer: { kind: 'adam' }, outputs: { logits } });
}

/** The eval-mode graph, parameters as inputs so it runs on a trainer's current state. */
function evalGraph(norm: 'bn' | 'gn', n: number, weights?: ReadonlyMap<string, TypedArray>): Graph {
  const g = new Graph({ name: 'toy-eval', training: false, weights });
  g.output(model(g, g.input('x', 'float32', [n, C, H, H]), norm), 'logits');
  return g;
}

const slice = (d: { x: Float32Array; y: BigInt64Array }, idx: ArrayLike<number>) => ({
  x: Tensor.of('float32', Float32Array.from({ length: idx.length * C * H * H }, (_, i) => d.x[idx[Math.floor(i / (C * H * H))] * C * H * H + (i % (C * H * H))]), [idx.length, C, H, H]),
  y: Tensor.of('int64', BigInt64Array.from({ length: idx.length * H * H }, (_, i) => d.y[idx[Math.floor(i / (H * H))] * H * H + (i % (H * H))]), [idx.length, H, H]),
});

function accuracy(logits: Float32Array, y: BigInt64Array): number {
  let ok = 0;
  const n = y.length / (H * H);
  for (let s = 0; s < n; s++) for (let p = 0; p < H * H; p++) {
    let arg = 0;
    for (let k = 1; k < K; k++) if (logits[(s * K + k) * H * H + p] > logits[(s * K + arg) * H * H + p]) arg = k;
    if (BigInt(arg) === y[s * H * H + p]) ok++;
  }
  return ok / y.length;
}

async function train(norm: 'bn' | 'gn', epochs: number, extra: Partial<Parameters<typeof fit>[1]> = {}) {
  const train = makeData(64, 1);
  const val = makeData(16, 2);
  const trainer = await Trainer.create(compile(norm), { session: { providers: ['cpu'], intraOpThreads: 1 } });
  const evalSession = await Session.create(serializeModel(evalGraph(norm, 16), { paramsAs: 'inputs' }), { providers: ['cpu'] });
  const validate = async () => {
    const feeds: Record<string, Tensor> = { x: slice(val, Array.from({ length: 16 }, (_, i) => i)).x };
    for (const s of trainer.slots()) if (s.kind !== 'moment') feeds[s.input] = trainer.value(s.input);
    return accuracy((await evalSession.run(feeds)).logits.data as Float32Array, val.y);
  };
  const data = indexedBatches({ size: 64, batchSize: B, seed: 11, make: (idx) => slice(train, idx) });
  const result = await fit(trainer, { data, epochs, lr: (e) => warmupCosineLr(Math.floor(e), { warmupEpochs: 1, totalEpochs: epochs, maxLr: 0.02, minLr: 1e-4 }), validate, ...extra });
  return { trainer, evalSession, result, validate };
}

describe('training a small conv net', () => {
  it('learns the teacher mapping: train loss < 0.2 and held-out pixel accuracy > 90 % after 12 epochs', async () => {
    const { trainer, evalSession, result, validate } = await train('bn', 12);
    const lastEpoch = result.losses.slice(-8);
    const meanLast = lastEpoch.reduce((a, b) => a + b, 0) / lastEpoch.length;
    expect(result.losses[0]).toBeGreaterThan(1.0); // ≈ ln 4 at the start
    expect(meanLast).toBeLessThan(0.2);
    expect(result.bestMetric!).toBeGreaterThan(0.9);
    expect(await validate()).toBe(result.bestMetric); // the best weights are restored
    expect(result.outcome).toBe('completed');
    if (process.env.SATDIFUSER_VERBOSE) console.log(`toy training: first loss ${result.losses[0]}, last-epoch mean ${meanLast}, held-out accuracy ${result.bestMetric}`);
    expect(result.steps).toBe(96);
    await trainer.release();
    await evalSession.release();
  });

  it('is deterministic: the same seeds give bit-identical losses and weights', async () => {
    const a = await train('gn', 2);
    const b = await train('gn', 2);
    expect(b.result.losses).toEqual(a.result.losses);
    expect(Array.from(b.trainer.value('conv1.weight').data as Float32Array)).toEqual(Array.from(a.trainer.value('conv1.weight').data as Float32Array));
    for (const r of [a, b]) {
      await r.trainer.release();
      await r.evalSession.release();
    }
  });

  it('saves and loads checkpoints: fp32 gives identical outputs, fp16 the half-rounded weights', async () => {
    const { trainer, evalSession } = await train('bn', 2);
    const dir = mkdtempSync(join(tmpdir(), 'ckpt-'));
    saveTrainerCheckpoint(join(dir, 'head.safetensors'), trainer, { metadata: { task: 'toy' } });
    saveTrainerCheckpoint(join(dir, 'head16.safetensors'), trainer, { dtype: 'float16' });
    saveTrainerCheckpoint(join(dir, 'resume.safetensors'), trainer, { optimizer: true });
    const ck = loadCheckpoint(join(dir, 'head.safetensors'));
    expect(ck.metadata).toMatchObject({ task: 'toy', 'satdifuser.step': '16' });
    expect(ck.shapes.get('conv1.weight')).toEqual([16, C, 3, 3]);
    expect([...ck.tensors.keys()].some((k) => k.startsWith('adam.'))).toBe(false);
    expect([...loadCheckpoint(join(dir, 'resume.safetensors')).tensors.keys()].filter((k) => k.startsWith('adam.')).length).toBe(12); // m and v for 6 parameters
    const val = makeData(16, 2);
    const x = slice(val, Array.from({ length: 16 }, (_, i) => i)).x;
    const feedsFrom = (get: (name: string) => Tensor) => {
      const f: Record<string, Tensor> = { x };
      for (const s of trainer.slots()) if (s.kind !== 'moment') f[s.input] = get(s.input);
      return f;
    };
    const before = (await evalSession.run(feedsFrom((n) => trainer.value(n)))).logits.data as Float32Array;
    const loaded = (await evalSession.run(feedsFrom((n) => Tensor.of('float32', ck.tensors.get(n)!, ck.shapes.get(n)!)))).logits.data as Float32Array;
    expect(Array.from(loaded)).toEqual(Array.from(before));
    // An inference graph with the loaded weights baked in as initializers (ORT folds BN into the conv there).
    const frozen = await Session.create(serializeModel(evalGraph('bn', 16, ck.tensors)), { providers: ['cpu'] });
    const baked = (await frozen.run({ x })).logits.data as Float32Array;
    baked.forEach((v, i) => expect(v).toBeCloseTo(before[i], 4));
    const half = loadCheckpoint(join(dir, 'head16.safetensors'));
    const w = trainer.value('conv1.weight').data as Float32Array;
    half.tensors.get('conv1.weight')!.forEach((v, i) => expect(Math.abs(v - w[i])).toBeLessThanOrEqual(Math.abs(w[i]) * 2 ** -11 + 2 ** -25));
    await frozen.release();
    await trainer.release();
    await evalSession.release();
  });

  it('the inference graph from trained weights equals the training graph\'s forward pass', async () => {
    const trainer = await Trainer.create(compile('gn'), { session: { providers: ['cpu'] } });
    const d = makeData(B, 3);
    const batch = slice(d, Array.from({ length: B }, (_, i) => i));
    for (let i = 0; i < 3; i++) await trainer.trainStep(batch, 0.01);
    const weights = trainer.weights();
    const step = await trainer.trainStep(batch, 0.01); // its logits come from the weights before this update
    const inference = await Session.create(serializeModel(evalGraph('gn', B, weights)), { providers: ['cpu'] });
    const want = step.outputs.logits.data as Float32Array;
    const got = (await inference.run({ x: batch.x })).logits.data as Float32Array;
    let worst = 0;
    want.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - got[i]))));
    expect(worst).toBeLessThan(1e-5);
    await inference.release();
    await trainer.release();
  });
});

describe('the fit loop', () => {
  it('stops early after `patience` evaluations without improvement and restores the best weights', async () => {
    const trainer = await Trainer.create(compile('gn'), { session: { providers: ['cpu'] } });
    const d = makeData(32, 4);
    const metrics = [0.5, 0.7, 0.6, 0.65, 0.69, 0.9];
    let calls = 0;
    const snapshots: Float32Array[] = [];
    const events: ProgressEvent[] = [];
    const r = await fit(trainer, {
      data: indexedBatches({ size: 32, batchSize: B, seed: 1, make: (idx) => slice(d, idx) }),
      epochs: 10,
      lr: () => 0.01,
      evalEvery: 2,
      patience: 3,
      validate: async () => {
        snapshots.push((trainer.value('cls.weight').data as Float32Array).slice());
        return metrics[calls++];
      },
      onProgress: (e) => events.push(e),
    });
    expect(r.outcome).toBe('early-stopped');
    expect(r.evaluations.map((e) => e.metric)).toEqual([0.5, 0.7, 0.6, 0.65, 0.69]);
    expect(r.bestMetric).toBe(0.7);
    expect(r.bestStep).toBe(2);
    expect(r.steps).toBe(8);
    expect(Array.from(trainer.value('cls.weight').data as Float32Array)).toEqual(Array.from(snapshots[1]));
    expect(events.filter((e) => e.kind === 'step').length).toBe(8);
    expect(events.filter((e) => e.kind === 'eval').map((e) => (e as { patienceLeft: number }).patienceLeft)).toEqual([3, 3, 2, 1, 0]);
    await trainer.release();
  });

  it('cancels through an AbortSignal with a typed error', async () => {
    const trainer = await Trainer.create(compile('gn'), { session: { providers: ['cpu'] } });
    const d = makeData(32, 4);
    const ctl = new AbortController();
    let steps = 0;
    await expect(fit(trainer, {
      data: indexedBatches({ size: 32, batchSize: B, seed: 1, make: (idx) => slice(d, idx) }),
      epochs: 5,
      lr: () => 0.01,
      signal: ctl.signal,
      onProgress: (e) => {
        if (e.kind === 'step' && ++steps === 3) ctl.abort();
      },
    })).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(trainer.step).toBe(3);
    await trainer.release();
  });

  it('names a missing data input before onnxruntime sees the batch', async () => {
    const trainer = await Trainer.create(compile('gn'), { session: { providers: ['cpu'] } });
    await expect(trainer.trainStep({ x: Tensor.zeros('float32', [B, C, H, H]) }, 0.01)).rejects.toMatchObject({ code: 'MISSING_INPUT', message: expect.stringMatching(/"y" \(int64 \[8, 8, 8\]\)/) });
    await trainer.release();
  });
});
