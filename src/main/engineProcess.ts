// Entry of the engine's utility process: the Engine service behind Electron's parentPort, speaking the same
// RpcMessage protocol as the web-mode WebSocket.
import { dispatch } from '../engine/api/dispatch';
import { createEngine } from '../engine/api/engine';
import { lowerEnginePriority } from '../engine/api/processPriority';
import type { ServedFileAnswer, ServedFileQuery } from './engineHost';

interface ParentPort {
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

const port = (process as unknown as { parentPort?: ParentPort }).parentPort;
if (!port) throw new Error('engineProcess must run as an Electron utility process');

lowerEnginePriority();
const engine = createEngine({
  host: 'desktop',
  dataDir: process.env.SATDIFUSER_DATA_DIR ?? process.cwd(),
  sampleScene: process.env.SATDIFUSER_SAMPLE || null,
  version: process.env.SATDIFUSER_VERSION,
});
engine.events.on((event) => port.postMessage({ kind: 'event', event }));

port.on('message', ({ data }) => {
  const q = data as ServedFileQuery;
  if (q?.kind === 'served-file') {
    port.postMessage({ kind: 'served-file-result', id: q.id, file: engine.servedFile(String(q.rasterId)) } satisfies ServedFileAnswer);
    return;
  }
  void dispatch(engine, data).then((res) => res && port.postMessage(res));
});
