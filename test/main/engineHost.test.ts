// The utility-process host: request/response pairing, events, and what happens when the engine dies.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { EngineHost, type EngineChild } from '../../src/main/engineHost';

class FakeChild extends EventEmitter implements EngineChild {
  sent: any[] = [];
  killed = false;
  postMessage(m: unknown) { this.sent.push(m); }
  kill() { this.killed = true; return true; }
}

function host() {
  const children: FakeChild[] = [];
  const events: any[] = [];
  const h = new EngineHost(() => {
    const c = new FakeChild();
    children.push(c);
    return c;
  }, (e) => events.push(e));
  h.start();
  return { h, children, events };
}

describe('engine host', () => {
  it('pairs responses with requests by id, out of order', async () => {
    const { h, children } = host();
    const a = h.call('engine.hello', {});
    const b = h.call('jobs.list', {});
    const [ra, rb] = children[0]!.sent;
    children[0]!.emit('message', { kind: 'response', id: rb.id, ok: true, result: 'B' });
    children[0]!.emit('message', { kind: 'response', id: ra.id, ok: true, result: 'A' });
    expect((await a as any).result).toBe('A');
    expect((await b as any).result).toBe('B');
  });

  it('relays engine events and answers served-file lookups', async () => {
    const { h, children, events } = host();
    children[0]!.emit('message', { kind: 'event', event: { topic: 'job.log', jobId: 'j', level: 'info', message: 'm' } });
    expect(events).toEqual([{ topic: 'job.log', jobId: 'j', level: 'info', message: 'm' }]);
    const p = h.servedFile('r1');
    const q = children[0]!.sent[0];
    expect(q).toMatchObject({ kind: 'served-file', rasterId: 'r1' });
    children[0]!.emit('message', { kind: 'served-file-result', id: q.id, file: { path: '/x.tif', size: 10 } });
    expect(await p).toEqual({ path: '/x.tif', size: 10 });
  });

  it('fails pending calls with a clear error when the engine dies, restarts it, and says so', async () => {
    const { h, children, events } = host();
    const pending = h.call('raster.open', { path: '/x.tif' });
    children[0]!.emit('exit', 9);
    const res = await pending as any;
    expect(res.ok).toBe(false);
    expect(res.error.code).toBe('INTERNAL');
    expect(res.error.message).toContain('stopped unexpectedly (exit code 9)');
    expect(children).toHaveLength(2);
    expect(events.at(-1).topic).toBe('engine.restarted');
  });

  it('gives up restarting after repeated crashes within a minute', () => {
    const { children, events } = host();
    for (let i = 0; i < 4; i++) children[children.length - 1]!.emit('exit', 1);
    expect(children).toHaveLength(4);
    expect(events.at(-1).reason).toMatch(/not restarted again/);
  });

  it('does not restart after stop()', () => {
    const { h, children } = host();
    h.stop();
    expect(children[0]!.killed).toBe(true);
    children[0]!.emit('exit', 0);
    expect(children).toHaveLength(1);
  });
});
