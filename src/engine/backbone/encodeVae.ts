// The `encode --vae …` path: a diffusers AutoencoderKL folder + an NCHW image in [−1, 1] → moments (mean ‖ logvar).
import { join } from 'node:path';
import { InvalidArgumentError } from '../../shared/errors';
import { Tensor } from '../runtime';
import { backboneProviders, type SessionChoice } from './providers';
import { openComponent } from './diffusersFolder';
import { sessionFromGraph } from './sessionFromGraph';
import { buildVaeEncoderGraph, oldVaeAttentionName, parseVaeConfig } from './vaeGraph';
import { WeightSource } from './weightSource';

/** [min, max] of the values (the CLI warns when an image is not in [−1, 1]; the encoder runs anyway). */
export function valueRange(data: Float32Array): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (const v of data) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

export type EncodeOptions = SessionChoice;

export async function encodeWithVae(vaeDir: string, image: { data: Float32Array; shape: readonly number[] }, opts: number | EncodeOptions = {}): Promise<{ data: Float32Array; shape: number[] }> {
  const o: EncodeOptions = typeof opts === 'number' ? { threads: opts } : opts;
  const comp = openComponent(vaeDir, 'VAE');
  const cfg = parseVaeConfig(comp.config, join(vaeDir, 'config.json'));
  const [, c, h, w] = image.shape;
  if (image.shape.length !== 4 || c !== cfg.inChannels) throw new InvalidArgumentError(`The image has shape [${image.shape.join(', ')}]; the VAE needs [B, ${cfg.inChannels}, H, W] in [−1, 1].`);
  const reader = comp.open();
  let g;
  try {
    g = buildVaeEncoderGraph(cfg, new WeightSource(reader, oldVaeAttentionName, `The VAE weights "${comp.weightsPath}"`), { height: h, width: w });
  } finally {
    reader.close();
  }
  const s = await sessionFromGraph(g, { intraOpThreads: o.threads, label: 'the VAE encoder', providers: backboneProviders(o) });
  o.onProvider?.('the VAE encoder', s.provider);
  try {
    const r = await s.run({ image: Tensor.of('float32', image.data, image.shape) });
    return { data: r.moments.toFloat32(), shape: [...r.moments.dims] };
  } finally {
    await s.release();
  }
}
