// The contract client: typed calls that resolve with the result or throw the engine's SatError (code, message
// and hint intact), and the engine's event stream. Components use this and nothing else to reach the engine.
import type { EngineEvent, MethodName, MethodParams, MethodResult } from '../../shared/contract';
import { deserializeError } from '../../shared/errors';
import type { ConnectionState, Transport } from './transport';

export class EngineClient {
  constructor(private readonly transport: Transport) {}

  get kind(): Transport['kind'] {
    return this.transport.kind;
  }

  get connection(): ConnectionState {
    return this.transport.connection;
  }

  async call<M extends MethodName>(method: M, params: MethodParams<M>): Promise<MethodResult<M>> {
    const res = await this.transport.request(method, params);
    if (!res.ok) throw deserializeError(res.error);
    return res.result as MethodResult<M>;
  }

  on(listener: (event: EngineEvent) => void): () => void {
    return this.transport.onEvent(listener);
  }

  onConnection(listener: (state: ConnectionState) => void): () => void {
    return this.transport.onConnection(listener);
  }

  rasterUrl(rasterId: string): string {
    return this.transport.rasterUrl(rasterId);
  }

  get canUpload(): boolean {
    return typeof this.transport.upload === 'function';
  }

  upload(file: Blob, name: string, batch: string): Promise<string> {
    if (!this.transport.upload) throw new Error('This transport cannot upload files.');
    return this.transport.upload(file, name, batch);
  }
}
