import { describe, expect, it } from 'vitest';
import { Graph } from '../../../src/engine/nn/graph';
import * as op from '../../../src/engine/nn/ops';
import { serializeModel } from '../../../src/engine/nn/serialize';
import { Session, SessionCache, Tensor, providerInBuild } from '../../../src/engine/runtime';

function addModel(): Uint8Array {
  const g = new Graph({ name: 'adder' });
  const a = g.input('a', 'float32', ['n', 3]);
  const b = g.input('b', 'float32', ['n', 3]);
  g.output(op.add(a, b), 'sum');
  g.output(op.mul(a, 2), 'twice');
  return serializeModel(g);
}

const t = (data: number[], dims: number[]) => Tensor.of('float32', Float32Array.from(data), dims);

describe('Session input checks', () => {
  it('names a missing input, an unknown input, a wrong dtype, a wrong dim and inconsistent symbols', async () => {
    const s = await Session.create(addModel(), { providers: ['cpu'], label: 'the adder' });
    await expect(s.run({ a: t([1, 2, 3], [1, 3]) })).rejects.toMatchObject({ code: 'MISSING_INPUT', message: 'the adder needs input "b" (float32 [n, 3]), which was not given.' });
    await expect(s.run({ a: t([1, 2, 3], [1, 3]), b: t([1, 2, 3], [1, 3]), c: t([1], [1]) })).rejects.toThrow('the adder has no input named "c".');
    await expect(s.run({ a: t([1, 2, 3], [1, 3]), b: Tensor.of('float64', new Float64Array(3), [1, 3]) })).rejects.toThrow(/Input "b" of the adder must be float32 \[n, 3\], got float64/);
    await expect(s.run({ a: t([1, 2, 3, 4], [1, 4]), b: t([1, 2, 3, 4], [1, 4]) })).rejects.toThrow(/dim 1 is 4/);
    await expect(s.run({ a: t([1, 2, 3, 4, 5, 6], [2, 3]), b: t([1, 2, 3], [1, 3]) })).rejects.toThrow(/disagree on "n" \(2 vs 1\)/);
    await expect(s.run({ a: t([1, 2, 3], [1, 3]), b: t([1, 2, 3], [1, 3]) }, { fetches: ['nope'] })).rejects.toThrow(/no output named "nope"/);
    const ctl = new AbortController();
    ctl.abort();
    await expect(s.run({ a: t([1, 2, 3], [1, 3]), b: t([1, 2, 3], [1, 3]) }, { signal: ctl.signal })).rejects.toMatchObject({ code: 'CANCELLED' });
    await s.release();
  });

  it('writes into preallocated outputs and returns those same tensors', async () => {
    const s = await Session.create(addModel(), { providers: ['cpu'] });
    const into = Tensor.zeros('float32', [2, 3]);
    const out = await s.run({ a: t([1, 2, 3, 4, 5, 6], [2, 3]), b: t([10, 20, 30, 40, 50, 60], [2, 3]) }, { fetches: ['sum'], into: { sum: into } });
    expect(out.sum).toBe(into);
    expect(Array.from(into.data as Float32Array)).toEqual([11, 22, 33, 44, 55, 66]);
    expect(out.twice).toBeUndefined();
    // An output fed back as the next input (no copy through JS arrays on our side).
    const again = await s.run({ a: out.sum, b: out.sum }, { fetches: ['sum'] });
    expect(Array.from(again.sum.data as Float32Array)).toEqual([22, 44, 66, 88, 110, 132]);
    await s.release();
  });
});

describe('execution providers', () => {
  it('reports truthfully when a requested GPU provider is not usable and CPU ran instead', async () => {
    const s = await Session.create(addModel(), { providers: ['dml', 'cuda', 'cpu'] });
    expect(s.provider.active).toBe('cpu');
    expect(s.provider.requested).toEqual(['dml', 'cuda', 'cpu']);
    const dml = s.provider.attempts.find((a) => a.provider === 'dml')!;
    expect(dml.ok).toBe(false);
    if (!providerInBuild('dml')) expect(dml.reason).toBe('not in this onnxruntime build');
    const cuda = s.provider.attempts.find((a) => a.provider === 'cuda')!;
    expect(cuda.ok).toBe(false);
    expect(cuda.reason).toBeTruthy();
    const placement = await s.verifyPlacement({ a: t([1, 2, 3], [1, 3]), b: t([1, 2, 3], [1, 3]) });
    expect(placement).toEqual({ cpu: 2 });
    await s.release();
  });

  it('reports per-node kernel times from a profiled session', async () => {
    const s = await Session.create(addModel(), { providers: ['cpu'], profile: true });
    await s.run({ a: t([1, 2, 3], [1, 3]), b: t([1, 2, 3], [1, 3]) });
    await s.run({ a: t([1, 2, 3], [1, 3]), b: t([1, 2, 3], [1, 3]) });
    const timings = s.profile();
    expect(timings.map((x) => x.op).sort()).toEqual(['Add', 'Add', 'Mul', 'Mul']);
    expect(timings.every((x) => x.provider === 'cpu' && x.ms >= 0)).toBe(true);
    expect(() => s.profile()).toThrow(/not created with profiling/);
    await s.release();
  });

  it('fails with a typed error when no provider works', async () => {
    await expect(Session.create(addModel(), { providers: ['dml'] })).rejects.toMatchObject({ code: 'INTERNAL', details: { attempts: [{ provider: 'dml', ok: false }] } });
  });

  it('fails with MODEL_MISMATCH on bytes that are not a model', async () => {
    await expect(Session.create(new Uint8Array([1, 2, 3, 4]), { providers: ['cpu'] })).rejects.toMatchObject({ code: 'MODEL_MISMATCH' });
  });
});

describe('SessionCache', () => {
  it('shares one session per key and releases idle ones beyond the limit', async () => {
    const cache = new SessionCache(1);
    let created = 0;
    const make = () => { created++; return Session.create(addModel(), { providers: ['cpu'] }); };
    const [s1, s2] = await Promise.all([cache.acquire('a', make), cache.acquire('a', make)]);
    expect(s1).toBe(s2);
    expect(created).toBe(1);
    const s3 = await cache.acquire('b', make);
    await cache.release('a');
    await cache.release('a');
    await cache.release('b');
    await cache.acquire('c', make);
    await cache.release('c');
    // Two idle (a, b... c) with maxIdle 1: the least recently used are released.
    expect(cache.has('c')).toBe(true);
    expect(cache.has('a')).toBe(false);
    expect(s1.isReleased).toBe(true);
    expect(s3.isReleased).toBe(true);
    await cache.clear();
    expect(cache.size).toBe(0);
  });
});
