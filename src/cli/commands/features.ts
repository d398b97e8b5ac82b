import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError } from '../../shared/errors';
import { extractFromLatent } from '../../engine/backbone/extractFromLatent';
import type { TapSet } from '../../engine/backbone/inversion';
import { readNpy, writeNpy } from '../../engine/backbone/npy';
import type { CliCommand } from '../command';
import { createProgress } from '../progress';
import { intFlag, parseArgs, required } from './models/args';
import { PROVIDER_USAGE, providerOption } from './models/provider';

const usage = `Usage:
  satdifuser features --unet <diffusers unet folder> --scheduler <scheduler folder> --latent <latent.npy>
                      --prompt-embedding <pe.npy> --out <dir> [--labels 47,45,40] [--threads N] [--provider P]
  satdifuser features --backbone <model> --image <raster> [--window x,y,w,h] [--bands r,g,b] --out <dir> [--threads N]
                      [--provider P]

Runs SatDiFuser's feature extraction: the 10-call DDIM inversion from the clean latent (t = −1, 1, 21, …, 161; the
UNet output used as ε as the released code does) and writes the taps of the calls labelled 47, 45, 40
(t = 21, 61, 161) as t47_s1.npy … t40_s4.npy (float32, NCHW; s1 is the widest scale). With --backbone, the image
window is read, scaled for the model's autoencoder and encoded first (latent = posterior mean × scaling factor).

  ${PROVIDER_USAGE}`;

function parseLabels(s: string | undefined): number[] {
  if (!s) return [47, 45, 40];
  const v = s.split(',').map((x) => Number(x.trim()));
  if (v.some((x) => !Number.isInteger(x) || x < 0 || x > 49)) throw new InvalidArgumentError(`--labels must be integers 0…49, got "${s}".`);
  return v;
}

export function writeTapSets(out: string, sets: readonly TapSet[]): string[] {
  mkdirSync(out, { recursive: true });
  const files: string[] = [];
  for (const s of sets) {
    s.scales.forEach((sc, k) => {
      const f = join(out, `t${s.label}_s${k + 1}.npy`);
      writeNpy(f, sc.data, sc.dims);
      files.push(f);
    });
  }
  return files;
}

export const command: CliCommand = {
  name: 'features',
  summary: 'SatDiFuser features (DDIM-inversion taps) from a latent + UNet, or from an image + backbone model',
  usage,
  async run(args, ctx) {
    const p = parseArgs(args, ['unet', 'scheduler', 'latent', 'prompt-embedding', 'out', 'labels', 'threads', 'backbone', 'image', 'window', 'bands', 'provider'], [], usage);
    const provider = providerOption(p, ctx.stderr);
    const out = required(p, 'out', usage);
    const threads = intFlag(p, 'threads', 0, 0) || undefined;
    const labels = parseLabels(p.flags.get('labels'));
    const bar = createProgress('features', ctx.stderr);
    if (p.flags.has('backbone')) {
      if (p.flags.has('unet') || p.flags.has('latent')) throw new InvalidArgumentError('Use either --backbone/--image or --unet/--scheduler/--latent/--prompt-embedding, not both.', usage);
      const { extractFromImage } = await import('../../engine/backbone/extractFromImage');
      const res = await extractFromImage({
        model: required(p, 'backbone', usage), image: required(p, 'image', usage), window: p.flags.get('window'),
        bands: p.flags.get('bands'), saveLabels: labels, threads, ...provider, signal: ctx.signal,
        onProgress: (stage, done, total) => bar.update({ done, total, message: stage }),
      });
      const files = writeTapSets(out, res.sets);
      writeFileSync(join(out, 'features.json'), JSON.stringify(res.description, null, 2));
      bar.finish(`${files.length} tap files in ${out}`);
      return 0;
    }
    const missing = ['unet', 'scheduler', 'latent', 'prompt-embedding'].filter((k) => !p.flags.has(k));
    if (missing.length) throw new InvalidArgumentError(`Missing ${missing.map((k) => `--${k}`).join(', ')}.`, usage);
    const latent = readNpy(required(p, 'latent', usage));
    const pe = readNpy(required(p, 'prompt-embedding', usage));
    const sets = await extractFromLatent({
      unetDir: required(p, 'unet', usage), schedulerDir: required(p, 'scheduler', usage),
      latent: { data: latent.data, shape: latent.shape }, promptEmbedding: { data: pe.data, shape: pe.shape },
      saveLabels: labels, threads, ...provider, signal: ctx.signal,
      onProgress: (stage, done, total) => bar.update({ done, total, message: stage }),
    });
    const files = writeTapSets(out, sets);
    bar.finish(`${files.length} tap files in ${out}`);
    return 0;
  },
};
