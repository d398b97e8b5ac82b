// The contract over a WebSocket to `satdifuser serve`. Requests made while (re)connecting wait for the socket;
// when the connection drops, pending requests fail with a clear error and the socket reconnects with backoff.
import type { EngineEvent, MethodName, RpcResponse } from '../../shared/contract';
import { serializeError, SatError } from '../../shared/errors';
import type { ConnectionState, Transport } from './transport';

export interface WsTransportOptions {
  /** ws://127.0.0.1:port/engine?token=… */
  readonly url: string;
  /** Base for raster byte URLs, e.g. http://127.0.0.1:port */
  readonly httpOrigin: string;
  readonly token: string;
  readonly WebSocketImpl?: typeof WebSocket;
}

const lost = (id: number, why: string): RpcResponse => ({
  kind: 'response', id, ok: false,
  error: serializeError(new SatError('IO_ERROR', `The connection to the engine was lost (${why}).`, { hint: 'Check that `satdifuser serve` is still running; the page reconnects by itself.' })),
});

export function createWsTransport(opts: WsTransportOptions): Transport {
  const WS = opts.WebSocketImpl ?? WebSocket;
  const pending = new Map<number, (r: RpcResponse) => void>();
  const queue: string[] = [];
  const eventListeners = new Set<(e: EngineEvent) => void>();
  const connectionListeners = new Set<(s: ConnectionState) => void>();
  let state: ConnectionState = 'connecting';
  let socket: WebSocket | null = null;
  let nextId = 1;
  let retry = 0;
  let closed = false;

  const setState = (s: ConnectionState) => {
    state = s;
    for (const l of connectionListeners) l(s);
  };

  const connect = () => {
    setState('connecting');
    const ws = new WS(opts.url);
    socket = ws;
    ws.onopen = () => {
      retry = 0;
      setState('open');
      for (const m of queue.splice(0)) ws.send(m);
    };
    ws.onmessage = (ev) => {
      let msg: { kind?: string; id?: number; event?: EngineEvent };
      try {
        msg = JSON.parse(String(ev.data));
      } catch {
        return;
      }
      if (msg.kind === 'response' && typeof msg.id === 'number') {
        const resolve = pending.get(msg.id);
        pending.delete(msg.id);
        resolve?.(msg as RpcResponse);
      } else if (msg.kind === 'event' && msg.event) {
        for (const l of eventListeners) l(msg.event);
      }
    };
    ws.onclose = (ev) => {
      socket = null;
      for (const [id, resolve] of pending) resolve(lost(id, ev.code === 1006 ? 'the engine stopped or refused the connection' : `code ${ev.code}`));
      pending.clear();
      setState('closed');
      if (closed) return;
      retry = Math.min(retry + 1, 6);
      setTimeout(connect, 250 * 2 ** retry);
    };
  };
  connect();

  return {
    kind: 'web',
    get connection() {
      return state;
    },
    request(method: MethodName, params: unknown) {
      const id = nextId++;
      const text = JSON.stringify({ kind: 'request', id, method, params });
      return new Promise<RpcResponse>((resolve) => {
        pending.set(id, resolve);
        if (socket && state === 'open') socket.send(text);
        else queue.push(text);
      });
    },
    onEvent(listener) {
      eventListeners.add(listener);
      return () => eventListeners.delete(listener);
    },
    onConnection(listener) {
      connectionListeners.add(listener);
      return () => connectionListeners.delete(listener);
    },
    rasterUrl(rasterId) {
      return `${opts.httpOrigin}/raster/${encodeURIComponent(rasterId)}?token=${encodeURIComponent(opts.token)}`;
    },
    async upload(file, name, batch) {
      const res = await fetch(`${opts.httpOrigin}/upload/${encodeURIComponent(batch)}/${encodeURIComponent(name)}`, {
        method: 'PUT', body: file, headers: { 'X-SatDiFuser-Token': opts.token },
      });
      if (!res.ok) throw new SatError('IO_ERROR', `Uploading "${name}" to the engine failed: ${await res.text()}`, { hint: 'Open the file with Layer → Add Raster Layer instead.' });
      return ((await res.json()) as { path: string }).path;
    },
    close() {
      closed = true;
      socket?.close();
    },
  };
}
