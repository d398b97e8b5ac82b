import { describe, expect, it } from 'vitest';
import { SatError } from '../../../src/shared/errors';
import { backboneProviders } from '../../../src/engine/backbone/providers';
import { Graph } from '../../../src/engine/nn/graph';
import { add } from '../../../src/engine/nn/ops';
import { serializeModel } from '../../../src/engine/nn/serialize';
import {
  Session, Tensor, buildProviders, describeBuildProviders, describeReport, providerUnavailable, providersFromChoice, providersFromEnv,
} from '../../../src/engine/runtime';

function addOne(): Uint8Array {
  const g = new Graph({ name: 'add_one' });
  g.output(add(g.input('x', 'float32', [2]), 1), 'y');
  return serializeModel(g);
}

describe('provider choice (--provider, SATDIFUSER_PROVIDER)', () => {
  it('puts the chosen provider first and CPU after it as the fallback', () => {
    expect(providersFromChoice('cpu')).toEqual(['cpu']);
    expect(providersFromChoice('cuda')).toEqual(['cuda', 'cpu']);
    expect(providersFromChoice(' DML ')).toEqual(['dml', 'cpu']);
    expect(providersFromChoice('webgpu')).toEqual(['webgpu', 'cpu']);
    expect(providersFromChoice(undefined)).toBeUndefined();
    expect(providersFromChoice('')).toBeUndefined();
  });

  it('refuses an unknown provider with a typed error that lists the choices and this build', () => {
    let err: unknown;
    try {
      providersFromChoice('tpu');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SatError);
    expect((err as SatError).code).toBe('INVALID_ARGUMENT');
    expect((err as SatError).message).toMatch(/--provider must be one of cpu, cuda, dml, webgpu; got "tpu"/);
    expect((err as SatError).hint).toMatch(/cpu \(bundled\)/);
  });

  it('reads SATDIFUSER_PROVIDER', () => {
    const saved = process.env.SATDIFUSER_PROVIDER;
    try {
      process.env.SATDIFUSER_PROVIDER = 'cuda';
      expect(providersFromEnv()).toEqual(['cuda', 'cpu']);
      process.env.SATDIFUSER_PROVIDER = 'gpu';
      expect(() => providersFromEnv()).toThrow(/SATDIFUSER_PROVIDER must be one of/);
      // The backbone (and so the segmentation pipeline, which passes no choice) follows the variable; a caller's
      // choice wins; without either it is CPU only.
      process.env.SATDIFUSER_PROVIDER = 'dml';
      expect(backboneProviders({})).toEqual(['dml', 'cpu']);
      expect(backboneProviders({ providers: ['cpu'] })).toEqual(['cpu']);
      delete process.env.SATDIFUSER_PROVIDER;
      expect(providersFromEnv()).toBeUndefined();
      expect(backboneProviders({})).toEqual(['cpu']);
    } finally {
      if (saved === undefined) delete process.env.SATDIFUSER_PROVIDER;
      else process.env.SATDIFUSER_PROVIDER = saved;
    }
  });
});

describe('what this onnxruntime build offers', () => {
  it('lists CPU as bundled and installed, and says so in one line', () => {
    const cpu = buildProviders().find((b) => b.name === 'cpu');
    expect(cpu).toEqual({ name: 'cpu', bundled: true, installed: true });
    expect(providerUnavailable('cpu')).toBeUndefined();
    expect(describeBuildProviders()).toMatch(/^cpu \(bundled\)/);
  });

  it('a GPU provider whose library is absent is skipped before ORT is asked, and CPU runs with the reason', async () => {
    const cuda = buildProviders().find((b) => b.name === 'cuda');
    const s = await Session.create(addOne(), { providers: ['cuda', 'cpu'] });
    try {
      expect(s.provider.active).toBe('cpu');
      const a = s.provider.attempts[0];
      expect(a.provider).toBe('cuda');
      expect(a.ok).toBe(false);
      if (!cuda) expect(a.reason).toBe('not in this onnxruntime build');
      else if (!cuda.installed) expect(a.reason).toMatch(/library is not installed .*ONNXRUNTIME_NODE_INSTALL=cuda12/);
      expect(describeReport(s.provider)).toBe(`running on cpu; cuda not used: ${a.reason}`);
      const out = await s.run({ x: Tensor.of('float32', Float32Array.of(1, 2), [2]) });
      expect([...out.y.toFloat32()]).toEqual([2, 3]);
    } finally {
      await s.release();
    }
  });
});
