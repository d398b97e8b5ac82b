// Reads the PyTorch reference goldens (tools/reference_heads/make_goldens.py) into head specs and feeds.
import { join } from 'node:path';
import { SafetensorsReader } from '../../../../src/engine/nn/weights/safetensors';
import { type HeadSpec, type TapLayout, makeSpec } from '../../../../src/engine/heads/spec';

export const FIXTURES = join(process.cwd(), 'test', 'fixtures', 'heads');
/** Timestep labels given to the goldens' timestep indices 0, 1 (fusion order). */
export const LABELS = [47, 45];

export interface GoldenConfig {
  task: 'seg' | 'cls'; fusion: 'gw' | 'lw' | 'moe' | 'concat'; tapDims: number[][]; scaleSizes: number[]; timesteps: number;
  projection: number; bottleneck: number; normGroups: number; decoderChannels: number; poolScales: number[];
  numClasses: number; numExperts: number; topK: number; batch: number; outputSize: [number, number]; moeMode: 'dense' | 'topk' | null;
}

export function readAll(path: string): { tensors: Map<string, { shape: number[]; data: Float32Array; bytes: Uint8Array; dtype: string }>; meta: Record<string, string> } {
  const r = new SafetensorsReader(path);
  try {
    const tensors = new Map();
    for (const i of r.list()) tensors.set(i.name, { shape: [...i.shape], data: r.readFloat32(i.name), bytes: r.readBytes(i.name), dtype: i.dtype });
    return { tensors, meta: { ...r.metadata } };
  } finally {
    r.close();
  }
}

export function goldenLayout(cfg: GoldenConfig): TapLayout {
  return {
    timesteps: LABELS.slice(0, cfg.timesteps),
    tileSize: cfg.scaleSizes[0]! * 8,
    scales: cfg.tapDims.map((dims, s) => ({
      size: cfg.scaleSizes[s]!,
      // s1–s3: 3 attn1 then 3 conv2 taps; the coarsest: conv2 only (DiffusionSat's structure)
      taps: dims.map((c, j) => ({ name: dims.length === 6 ? (j < 3 ? `attn1_${j}` : `conv2_${j - 3}`) : `conv2_${j}`, channels: c })),
    })),
  };
}

export function goldenSpec(cfg: GoldenConfig): HeadSpec {
  return makeSpec({
    task: cfg.task, fusion: cfg.fusion, size: 'light', layout: goldenLayout(cfg), numClasses: cfg.numClasses,
    widths: { projection: cfg.projection, bottleneck: cfg.bottleneck, normGroups: cfg.normGroups, decoderChannels: cfg.decoderChannels },
    numExperts: cfg.numExperts, topK: cfg.topK,
  });
}

export function loadCase(name: string) {
  const inputs = readAll(join(FIXTURES, 'inputs.safetensors')).tensors;
  const { tensors, meta } = readAll(join(FIXTURES, `${name}.safetensors`));
  const cfg = JSON.parse(meta.config!) as GoldenConfig;
  const pick = (prefix: string) => new Map([...tensors].filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v.data]));
  const feeds: Record<string, { shape: number[]; data: Float32Array }> = {};
  for (let t = 0; t < cfg.timesteps; t++) {
    for (let s = 0; s < cfg.tapDims.length; s++) feeds[`t${LABELS[t]}_s${s + 1}`] = inputs.get(`feats.t${t}.s${s}`)!;
  }
  return { cfg, spec: goldenSpec(cfg), inputs, tensors, params: pick('param.'), grads: pick('grad.'), state: pick('state.'), feeds };
}

/** max |a − b| / (max |b| + tiny): one number for "how far from the reference", scale-free. */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num = Math.max(num, Math.abs(a[i]! - b[i]!));
    den = Math.max(den, Math.abs(b[i]!));
  }
  return num / (den + 1e-12);
}
