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
