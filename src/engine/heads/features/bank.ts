// Features of the training tiles held in memory as float16 (half the bytes; the backbone's own taps are fp16 in
// the release), assembled into float32 batches [B, C, H, W] per graph input on demand.
import { InvalidArgumentError } from '../../../shared/errors';
import { float16ToFloat32, float32ToFloat16 } from '../../nn/fp16';
import type { FeatureSet } from '../../store/featureCache';

export interface PackedFeatures {
  readonly tensors: ReadonlyMap<string, { readonly shape: readonly number[]; readonly half: Uint16Array }>;
}

export function packFeatures(set: FeatureSet): PackedFeatures {
  return { tensors: new Map(set.map((t) => [t.name, { shape: t.shape, half: float32ToFloat16(t.data) }])) };
}

export function unpackFeatures(p: PackedFeatures): FeatureSet {
  return [...p.tensors].map(([name, t]) => ({ name, shape: t.shape, data: float16ToFloat32(t.half) }));
}

export function packedBytes(p: PackedFeatures): number {
  let n = 0;
  for (const t of p.tensors.values()) n += t.half.byteLength;
  return n;
}

/** One float32 array per input name, the samples stacked along a new batch axis. */
export function assembleBatch(samples: readonly PackedFeatures[], names: readonly string[]): Map<string, { data: Float32Array; shape: number[] }> {
  const out = new Map<string, { data: Float32Array; shape: number[] }>();
  for (const name of names) {
    const first = samples[0]!.tensors.get(name);
    if (!first) throw new InvalidArgumentError(`The cached features have no tensor "${name}".`, 'The features come from a different backbone or extraction settings than the head expects.');
    const n = first.half.length;
    const data = new Float32Array(samples.length * n);
    samples.forEach((s, b) => {
      const t = s.tensors.get(name);
      if (!t || t.half.length !== n) throw new InvalidArgumentError(`Feature tensor "${name}" differs in size between tiles.`);
      float16ToFloat32(t.half, data.subarray(b * n, (b + 1) * n));
    });
    out.set(name, { data, shape: [samples.length, ...first.shape] });
  }
  return out;
}

/**
 * Like assembleBatch, but each sample contributes the window [oy, oy+K) × [ox, ox+K) of the tile (pixel units),
 * cut from every scale at that scale's resolution: tile-pixel offsets and K must be multiples of the coarsest
 * scale's stride, so every scale's window falls on whole cells.
 */
export function assembleCropBatch(samples: readonly PackedFeatures[], names: readonly string[], offsets: readonly (readonly [number, number])[], crop: number, tile: number): Map<string, { data: Float32Array; shape: number[] }> {
  const out = new Map<string, { data: Float32Array; shape: number[] }>();
  for (const name of names) {
    const first = samples[0]!.tensors.get(name);
    if (!first) throw new InvalidArgumentError(`The cached features have no tensor "${name}".`, 'The features come from a different backbone or extraction settings than the head expects.');
    const [c, h, w] = first.shape as [number, number, number];
    const f = h / tile;
    const ch = crop * f, cw = crop * f;
    if (!Number.isInteger(ch)) throw new InvalidArgumentError(`A ${crop}-px crop does not fall on whole cells of "${name}" (${h}×${w} for a ${tile}-px tile).`);
    const data = new Float32Array(samples.length * c * ch * cw);
    const row = new Float32Array(cw);
    samples.forEach((s, b) => {
      const t = s.tensors.get(name)!;
      const [ox, oy] = offsets[b]!;
      const x0 = ox * f, y0 = oy * f;
      for (let k = 0; k < c; k++) {
        for (let y = 0; y < ch; y++) {
          const src = (k * h + y0 + y) * w + x0;
          float16ToFloat32(t.half.subarray(src, src + cw), row);
          data.set(row, ((b * c + k) * ch + y) * cw);
        }
      }
    });
    out.set(name, { data, shape: [samples.length, c, ch, cw] });
  }
  return out;
}
