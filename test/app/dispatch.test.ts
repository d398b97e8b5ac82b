// The shared request dispatcher: malformed messages are ignored, unknown methods and thrown errors become typed
// error responses, and nothing reaches an engine method that is not in the contract.
import { describe, expect, it, vi } from 'vitest';
import { ENGINE_METHODS, isMethodName } from '../../src/shared/contract';
import { dispatch } from '../../src/engine/api/dispatch';
import { createEngine } from '../../src/engine/api/engine';

describe('dispatch', () => {
  const hello = vi.fn(async () => ({ ok: 1 }));
  const engine = { 'engine.hello': hello, 'raster.open': async () => { throw new Error('bug'); }, constructor: vi.fn(), toString: vi.fn() } as any;

  it('ignores anything that is not a request', async () => {
    for (const m of [null, 1, 'x', {}, { kind: 'request' }, { kind: 'request', id: 1.5, method: 'engine.hello' }, { kind: 'response', id: 1, method: 'x' }]) {
      expect(await dispatch(engine, m)).toBeNull();
    }
  });

  it('answers with the result or a serialized error without stack', async () => {
    expect(await dispatch(engine, { kind: 'request', id: 7, method: 'engine.hello', params: {} })).toEqual({ kind: 'response', id: 7, ok: true, result: { ok: 1 } });
    const err = await dispatch(engine, { kind: 'request', id: 8, method: 'raster.open', params: {} });
    expect(err).toMatchObject({ id: 8, ok: false, error: { code: 'INTERNAL', message: 'bug' } });
    expect((err as any).error.stack).toBeUndefined();
  });

  it('never calls object built-ins by name', async () => {
    for (const method of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      const r = await dispatch(engine, { kind: 'request', id: 1, method, params: {} });
      expect(r).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    }
    expect(engine.constructor).not.toHaveBeenCalled();
    expect(isMethodName('__proto__')).toBe(false);
  });

  it('the Engine service implements every contract method', () => {
    const real = createEngine({ host: 'test', dataDir: '/tmp/sdf-unused' }) as any;
    for (const m of ENGINE_METHODS) expect(typeof real[m], m).toBe('function');
  });
});
