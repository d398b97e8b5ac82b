// The engine contract over one WebSocket: requests in, responses and engine events out, all as RpcMessage JSON.
import type { WebSocket } from 'ws';
import type { RpcEvent } from '../shared/contract';
import { dispatch } from '../engine/api/dispatch';
import type { Engine } from '../engine/api/engine';

/** A frame this large is not a contract request; refuse it rather than parse it. */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export function bridgeSocket(ws: WebSocket, engine: Engine): void {
  const send = (msg: unknown) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
  };
  const off = engine.events.on((event) => send({ kind: 'event', event } satisfies RpcEvent));
  ws.on('message', (data, isBinary) => {
    if (isBinary) return;
    let msg: unknown;
    try {
      msg = JSON.parse(data.toString());
    } catch {
      return;
    }
    void dispatch(engine, msg).then((res) => res && send(res));
  });
  ws.on('close', off);
  ws.on('error', off);
}
