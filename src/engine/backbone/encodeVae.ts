// The `encode --vae …` path: a diffusers AutoencoderKL folder + an NCHW image in [−1, 1] → moments (mean ‖ logvar).
import { join } from 'node:path';
import { InvalidArgumentError } from '../../shared/errors';
import { Tensor } from '../runtime';
import { openComponent } from './diffusersFolder';
import { sessionFromGraph } from './sessionFromGraph';
import { buildVaeEncoderGraph, oldVaeAttentionName, parseVaeConfig } from './vaeGraph';
import { WeightSource } from './weightSource';

export async function encodeWithVae(vaeDir: string, image: { data: Float32Array; shape: readonly number[] }, threads?: number): Promise<{ data: Float32Array; shape: number[] }> {
  const comp = openComponent(vaeDir, 'VAE');
  const cfg = parseVaeConfig(comp.config, join(vaeDir, 'config.json'));
  const [, c, h, w] = image.shape;
  if (image.shape.length !== 4 || c !== cfg.inChannels) throw new InvalidArgumentError(`The image has shape [${image.shape.join(', ')}]; the VAE needs [B, ${cfg.inChannels}, H, W] in [−1, 1].`);
  let lo = Infinity, hi = -Infinity;
  for (const v of image.data) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo < -1.001 || hi > 1.001) throw new InvalidArgumentError(`The image values span [${lo}, ${hi}], outside [−1, 1].`, 'Scale pixels to [−1, 1] first (x / 127.5 − 1 for 8-bit RGB), as the VAE was trained on.');
  const reader = comp.open();
  let g;
  try {
    g = buildVaeEncoderGraph(cfg, new WeightSource(reader, oldVaeAttentionName, `The VAE weights "${comp.weightsPath}"`), { height: h, width: w });
  } finally {
    reader.close();
  }
  const s = await sessionFromGraph(g, { intraOpThreads: threads, label: 'the VAE encoder', providers: ['cpu'] });
  try {
    const r = await s.run({ image: Tensor.of('float32', image.data, image.shape) });
    return { data: r.moments.toFloat32(), shape: [...r.moments.dims] };
  } finally {
    await s.release();
  }
}
