// Loading the engine's hand-written SIMD WebAssembly (the .wat files beside their users, assembled into
// base64 modules by tools/build-wasm.mjs). Node has WebAssembly, but TypeScript declares it only in the DOM
// libraries, which the engine must not see: this file types the few parts of the JavaScript API it uses.

export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}

interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { readonly exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number }) => WasmMemory;
  validate(bytes: Uint8Array): boolean;
}

const api = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

const PAGE = 65536;

/** A compiled module, or null where this runtime has no WebAssembly or no SIMD (the caller then runs its
 *  JavaScript version of the same computation). */
export function compileSimd(base64: string): object | null {
  if (!api) return null;
  const bytes = new Uint8Array(Buffer.from(base64, 'base64'));
  return api.validate(bytes) ? new api.Module(bytes) : null;
}

/** A fresh memory of at least `bytes` bytes (zeroed) and an instance of `module` on it; null when the memory
 *  cannot be had (beyond WebAssembly's 4 GB, or refused by the runtime). */
export function instantiate<T>(module: object, bytes: number): { exports: T; memory: WasmMemory } | null {
  let memory: WasmMemory;
  try {
    memory = new api!.Memory({ initial: Math.max(1, Math.ceil(bytes / PAGE)) });
  } catch (e) {
    if (e instanceof RangeError) return null;
    throw e;
  }
  const instance = new api!.Instance(module, { env: { memory } });
  return { exports: instance.exports as unknown as T, memory };
}
