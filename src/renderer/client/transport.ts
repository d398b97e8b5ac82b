// A transport carries contract requests and events between the renderer and the engine; the Electron bridge and
// the web-mode WebSocket are the two implementations, and nothing above this file knows which one is in use.
import type { EngineEvent, MethodName, RpcResponse } from '../../shared/contract';

export type ConnectionState = 'connecting' | 'open' | 'closed';

export interface Transport {
  readonly kind: 'electron' | 'web';
  request(method: MethodName, params: unknown): Promise<RpcResponse>;
  onEvent(listener: (event: EngineEvent) => void): () => void;
  onConnection(listener: (state: ConnectionState) => void): () => void;
  readonly connection: ConnectionState;
  /** URL the map fetches a raster's bytes from (range requests). */
  rasterUrl(rasterId: string): string;
  /** Web mode only: stores a dropped file on the engine's machine and returns its path there. */
  upload?(file: Blob, name: string, batch: string): Promise<string>;
  close(): void;
}
