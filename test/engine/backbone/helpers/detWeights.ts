// Bit-exact twin of tools/reference/detweights.py: the golden checkpoints' weights, regenerated from names and
// shapes so no checkpoint has to be committed.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeSafetensors } from '../../../../src/engine/nn/weights/safetensors';

export function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(s, 'utf8')) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

function hashU32(seed: number, i: number): number {
  let h = (Math.imul(i, 0x9e3779b1) + seed) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

export function detTensor(name: string, shape: readonly number[]): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const seed = fnv1a32(name);
  const out = new Float32Array(n);
  const fanIn = shape.slice(1).reduce((a, b) => a * b, 1);
  const k = Math.sqrt(3.0 / fanIn);
  for (let i = 0; i < n; i++) {
    const s = 2.0 * (hashU32(seed, i) / 4294967296.0) - 1.0;
    out[i] = shape.length >= 2 ? s * k : name.endsWith('.weight') ? 1.0 + 0.2 * s : 0.1 * s;
  }
  return out;
}

export function detUniform(name: string, shape: readonly number[], lo = -1, hi = 1): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const seed = fnv1a32(name);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * (hashU32(seed, i) / 4294967296.0);
  return out;
}

/** Writes a diffusers component folder (config.json + diffusion_pytorch_model.safetensors) from names + shapes. */
export function writeDetComponent(dir: string, config: object, params: [string, number[]][], opts: { file?: string; rename?: (n: string) => string; dtype?: 'float32' | 'float16' } = {}): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config, null, 2));
  const file = join(dir, opts.file ?? 'diffusion_pytorch_model.safetensors');
  writeSafetensors(file, params.map(([name, shape]) => ({
    name: opts.rename ? opts.rename(name) : name,
    shape,
    data: () => detTensor(name, shape),
    dtype: name.endsWith('position_ids') ? undefined : opts.dtype,
  })));
  return file;
}
