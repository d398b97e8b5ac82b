// The engine runs in an Electron utilityProcess so a long job never blocks windows or IPC. Main forwards
// contract requests to it, relays its events, and restarts it if it dies (pending calls fail with a clear error).
import type { EngineEvent, MethodName, RpcResponse } from '../shared/contract';
import { SatError, serializeError } from '../shared/errors';

/** The part of Electron's UtilityProcess this module uses (a test double implements it). */
export interface EngineChild {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  kill(): boolean;
}

/** Messages only main may send: the raster file lookup for the custom protocol. */
export interface ServedFileQuery { readonly kind: 'served-file'; readonly id: number; readonly rasterId: string }
export interface ServedFileAnswer { readonly kind: 'served-file-result'; readonly id: number; readonly file: { path: string; size: number } | null }

const MAX_RESTARTS_PER_MINUTE = 3;

export class EngineHost {
  private child: EngineChild | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, (message: RpcResponse | ServedFileAnswer) => void>();
  private restarts: number[] = [];
  private stopped = false;

  constructor(private readonly spawn: () => EngineChild, private readonly onEvent: (event: EngineEvent) => void) {}

  start(): void {
    const child = this.spawn();
    this.child = child;
    child.on('message', (m) => this.receive(m));
    child.on('exit', (code) => this.exited(child, code));
  }

  call(method: MethodName, params: unknown): Promise<RpcResponse> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      if (!this.child) {
        resolve({ kind: 'response', id, ok: false, error: serializeError(new SatError('INTERNAL', 'The engine is not running.', { hint: 'Restart the app.' })) });
        return;
      }
      this.pending.set(id, resolve as (m: RpcResponse | ServedFileAnswer) => void);
      this.child.postMessage({ kind: 'request', id, method, params });
    });
  }

  servedFile(rasterId: string): Promise<{ path: string; size: number } | null> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      if (!this.child) return resolve(null);
      this.pending.set(id, (m) => resolve(m.kind === 'served-file-result' ? m.file : null));
      this.child.postMessage({ kind: 'served-file', id, rasterId } satisfies ServedFileQuery);
    });
  }

  stop(): void {
    this.stopped = true;
    this.child?.kill();
    this.child = null;
  }

  private receive(message: unknown): void {
    const m = message as { kind?: string; id?: number; event?: EngineEvent };
    if (m?.kind === 'event' && m.event) {
      this.onEvent(m.event);
      return;
    }
    if ((m?.kind === 'response' || m?.kind === 'served-file-result') && typeof m.id === 'number') {
      const resolve = this.pending.get(m.id);
      this.pending.delete(m.id);
      resolve?.(message as RpcResponse | ServedFileAnswer);
    }
  }

  private exited(child: EngineChild, code: number): void {
    if (child !== this.child) return;
    this.child = null;
    const error = serializeError(new SatError('INTERNAL', `The engine stopped unexpectedly (exit code ${code}).`, {
      hint: 'It has been restarted; open rasters and running jobs were lost. Reopen the project, and report the problem if it happens again.',
    }));
    for (const [id, resolve] of this.pending) resolve({ kind: 'response', id, ok: false, error });
    this.pending.clear();
    if (this.stopped) return;
    const now = Date.now();
    this.restarts = this.restarts.filter((t) => now - t < 60_000);
    if (this.restarts.length >= MAX_RESTARTS_PER_MINUTE) {
      this.onEvent({ topic: 'engine.restarted', reason: `The engine stopped ${MAX_RESTARTS_PER_MINUTE} times in a minute and was not restarted again. Restart the app.` });
      return;
    }
    this.restarts.push(now);
    this.start();
    this.onEvent({ topic: 'engine.restarted', reason: error.message });
  }
}
