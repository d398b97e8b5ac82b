// The WebSocket transport: requests sent once the socket opens, responses matched by id, events delivered,
// pending requests failed with a clear error when the connection drops, and a reconnect afterwards.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createWsTransport } from '../../src/renderer/client/wsTransport';
import { EngineClient } from '../../src/renderer/client/engineClient';

class FakeSocket {
  static all: FakeSocket[] = [];
  sent: string[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  onclose: ((e: { code: number }) => void) | null = null;
  constructor(readonly url: string) { FakeSocket.all.push(this); }
  send(m: string) { this.sent.push(m); }
  close() { this.onclose?.({ code: 1000 }); }
  reply(m: unknown) { this.onmessage?.({ data: JSON.stringify(m) }); }
}

afterEach(() => { FakeSocket.all = []; vi.useRealTimers(); });

function setup() {
  const t = createWsTransport({ url: 'ws://127.0.0.1:1/engine?token=T', httpOrigin: 'http://127.0.0.1:1', token: 'T', WebSocketImpl: FakeSocket as never });
  return { t, client: new EngineClient(t), socket: () => FakeSocket.all[FakeSocket.all.length - 1]! };
}

describe('WebSocket transport', () => {
  it('queues requests until open, then resolves them by id; errors become SatErrors with code and hint', async () => {
    const { client, socket } = setup();
    const a = client.call('engine.hello', {});
    const b = client.call('raster.open', { path: '/x' });
    expect(socket().sent).toHaveLength(0);
    socket().onopen!();
    const [ra, rb] = socket().sent.map((s) => JSON.parse(s));
    expect(ra).toMatchObject({ kind: 'request', method: 'engine.hello' });
    socket().reply({ kind: 'response', id: rb.id, ok: false, error: { name: 'SatError', code: 'FILE_NOT_FOUND', message: 'gone', hint: 'check' } });
    socket().reply({ kind: 'response', id: ra.id, ok: true, result: { v: 1 } });
    expect(await a).toEqual({ v: 1 });
    await expect(b).rejects.toMatchObject({ code: 'FILE_NOT_FOUND', message: 'gone', hint: 'check' });
  });

  it('delivers events and builds tokenised raster URLs', () => {
    const { client, socket } = setup();
    const seen: unknown[] = [];
    client.on((e) => seen.push(e));
    socket().onopen!();
    socket().reply({ kind: 'event', event: { topic: 'job.log', jobId: 'j', level: 'info', message: 'x' } });
    socket().onmessage!({ data: 'garbage' });
    expect(seen).toHaveLength(1);
    expect(client.rasterUrl('r 1')).toBe('http://127.0.0.1:1/raster/r%201?token=T');
  });

  it('fails pending requests when the connection drops and reconnects', async () => {
    vi.useFakeTimers();
    const { client, socket, t } = setup();
    socket().onopen!();
    const states: string[] = [];
    t.onConnection((s) => states.push(s));
    const p = client.call('jobs.list', {});
    socket().onclose!({ code: 1006 });
    await expect(p).rejects.toMatchObject({ code: 'IO_ERROR', message: expect.stringMatching(/connection to the engine was lost/) });
    vi.advanceTimersByTime(1000);
    expect(FakeSocket.all).toHaveLength(2);
    expect(states).toEqual(['closed', 'connecting']);
    t.close();
  });
});
