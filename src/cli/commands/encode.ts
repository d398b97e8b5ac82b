import { dirname } from 'node:path';
import { mkdirSync } from 'node:fs';
import { encodeWithVae, valueRange } from '../../engine/backbone/encodeVae';
import { readNpy, writeNpy } from '../../engine/backbone/npy';
import type { CliCommand } from '../command';
import { intFlag, parseArgs, required } from './models/args';
import { PROVIDER_USAGE, providerOption } from './models/provider';

const usage = `Usage: satdifuser encode --vae <diffusers vae folder> --image <image.npy> --out <moments.npy> [--threads N] [--provider P]

Runs an AutoencoderKL encoder + quant_conv (diffusers semantics) on a float32 NCHW image in [−1, 1] and writes the
moments [B, 2·latent_channels, H/8, W/8] (mean, then logvar) as float32 .npy. latent = mean × scaling_factor.

  ${PROVIDER_USAGE}`;

export const command: CliCommand = {
  name: 'encode',
  summary: 'Encode an image (.npy, [−1, 1]) with a diffusers AutoencoderKL → moments .npy',
  usage,
  async run(args, ctx) {
    const p = parseArgs(args, ['vae', 'image', 'out', 'threads', 'provider'], [], usage);
    const provider = providerOption(p, ctx.stderr);
    const image = readNpy(required(p, 'image', usage));
    const out = required(p, 'out', usage);
    const [lo, hi] = valueRange(image.data);
    if (lo < -1.001 || hi > 1.001) ctx.stderr.write(`warning: the image spans [${lo.toFixed(3)}, ${hi.toFixed(3)}]; the VAE expects [−1, 1] (x / 127.5 − 1 for 8-bit RGB).\n`);
    const m = await encodeWithVae(required(p, 'vae', usage), image, { threads: intFlag(p, 'threads', 0, 0) || undefined, ...provider });
    mkdirSync(dirname(out), { recursive: true });
    writeNpy(out, m.data, m.shape);
    ctx.stdout.write(`moments [${m.shape.join(', ')}] → ${out}\n`);
    return 0;
  },
};
