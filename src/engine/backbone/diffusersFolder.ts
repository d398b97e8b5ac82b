// A diffusers component folder (unet/, vae/, text_encoder/ …): config.json + one weights file, found the way
// diffusers looks for them (safetensors first, then the PyTorch .bin; fp16 variants last).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FileNotFoundError, SatError } from '../../shared/errors';
import { openWeights } from '../nn/weights/open';
import type { WeightReader } from '../nn/weights/reader';

const WEIGHT_FILES = [
  'diffusion_pytorch_model.safetensors', 'model.safetensors', 'diffusion_pytorch_model.bin', 'pytorch_model.bin',
  'diffusion_pytorch_model.fp16.safetensors', 'model.fp16.safetensors', 'diffusion_pytorch_model.fp16.bin', 'pytorch_model.fp16.bin',
];

export interface DiffusersComponent {
  readonly dir: string;
  readonly config: Record<string, unknown>;
  readonly weightsPath: string;
  open(): WeightReader;
}

export function readJson(path: string, what: string): Record<string, unknown> {
  if (!existsSync(path)) throw new FileNotFoundError(path, what);
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
    return v as Record<string, unknown>;
  } catch (e) {
    throw new SatError('CORRUPT_WEIGHTS', `"${path}" is not a valid JSON ${what}.`, { hint: 'Download or export the model folder again.', cause: e, details: { path } });
  }
}

export function openComponent(dir: string, what: string): DiffusersComponent {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new FileNotFoundError(dir, `${what} folder`);
  const config = readJson(join(dir, 'config.json'), `${what} config`);
  const file = WEIGHT_FILES.map((f) => join(dir, f)).find((p) => existsSync(p));
  if (!file) {
    throw new SatError('FILE_NOT_FOUND', `The ${what} folder "${dir}" has no weights file.`, {
      hint: `Expected one of: ${WEIGHT_FILES.slice(0, 4).join(', ')} (a diffusers save_pretrained layout).`,
      details: { dir },
    });
  }
  return { dir, config, weightsPath: file, open: () => openWeights(file) };
}
