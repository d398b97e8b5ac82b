// One request message in, one response message out: the part both transports share. Unknown methods, malformed
// messages and thrown errors all become a typed error response; nothing a client sends can crash the engine.
import { isMethodName, type EngineContract, type RpcResponse } from '../../shared/contract';
import { InvalidArgumentError, serializeError } from '../../shared/errors';

export function parseRequest(message: unknown): { id: number; method: string; params: unknown } | null {
  if (!message || typeof message !== 'object') return null;
  const m = message as Record<string, unknown>;
  if (m.kind !== 'request' || typeof m.id !== 'number' || !Number.isSafeInteger(m.id) || typeof m.method !== 'string') return null;
  return { id: m.id, method: m.method, params: m.params };
}

export async function dispatch(engine: EngineContract, message: unknown): Promise<RpcResponse | null> {
  const req = parseRequest(message);
  if (!req) return null;
  try {
    if (!isMethodName(req.method)) {
      throw new InvalidArgumentError(`"${req.method}" is not an engine method.`, 'The app and the engine may be different versions: restart the app.');
    }
    const fn = engine[req.method] as (p: unknown) => Promise<unknown>;
    const result = await fn(req.params ?? {});
    return { kind: 'response', id: req.id, ok: true, result: result ?? null };
  } catch (e) {
    const error = serializeError(e);
    // Stacks stay in the engine's log; the UI gets what it can show.
    delete error.stack;
    return { kind: 'response', id: req.id, ok: false, error };
  }
}
