import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { readNpy } from '../../../../src/engine/backbone/npy';

export const goldenDir = 'test/fixtures/backbone/golden';

export interface Manifest {
  unet_config: Record<string, unknown>;
  scheduler_config: Record<string, unknown>;
  vae_config: Record<string, unknown>;
  clip_config: Record<string, unknown>;
  tae_spec: unknown[][];
  token_ids: Record<string, number[]>;
  params: Record<'unet' | 'vae' | 'tae' | 'clip', [string, number[]][]>;
  inputs: Record<string, [string, number[], number, number]>;
}

export const manifest = JSON.parse(readFileSync(join(goldenDir, 'manifest.json'), 'utf8')) as Manifest;

export function golden(name: string) {
  return readNpy(join(goldenDir, `${name}.npy`));
}

export interface Agreement {
  maxAbs: number;
  cosine: number;
  /** max |a − b| / max |b| */
  relMax: number;
}

export function agreement(got: ArrayLike<number>, want: ArrayLike<number>): Agreement {
  expect(got.length).toBe(want.length);
  let maxAbs = 0, dot = 0, na = 0, nb = 0, peak = 0;
  for (let i = 0; i < want.length; i++) {
    const a = got[i], b = want[i];
    maxAbs = Math.max(maxAbs, Math.abs(a - b));
    peak = Math.max(peak, Math.abs(b));
    dot += a * b;
    na += a * a;
    nb += b * b;
  }
  return { maxAbs, cosine: dot / Math.sqrt(na * nb), relMax: maxAbs / peak };
}
