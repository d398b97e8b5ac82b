// Backbone models on disk: one folder per model with backbone.json (format "satdifuser-backbone/1", the card the
// default model from tools/train_backbone and the DiffusionSat importer both write), the UNet's diffusers
// config.json + weights, the autoencoder's encoder weights (+ config for AutoencoderKL), the prompt embedding and
// the scheduler config. ONNX graphs are built per tile size on first use and cached under onnx/.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileNotFoundError, SatError } from '../../shared/errors';
import { SafetensorsReader } from '../nn/weights/safetensors';
import { readJson } from './diffusersFolder';
import { readNpy } from './npy';
import type { SchedulerConfig } from './schedule';
import type { TaeLayer } from './taeGraph';
import { type UNetConfig, parseUNetConfig } from './unetConfig';
import { type VaeConfig, parseVaeConfig } from './vaeGraph';

export const BACKBONE_FORMAT = 'satdifuser-backbone/1';

export type AutoencoderSpec =
  | { kind: 'kl'; config: VaeConfig; weights: string }
  | { kind: 'tae'; layers: TaeLayer[]; weights: string; downscale: number };

export interface BackboneModel {
  readonly dir: string;
  readonly name: string;
  readonly card: Record<string, unknown>;
  readonly unet: UNetConfig;
  readonly unetWeights: string;
  readonly autoencoder: AutoencoderSpec;
  readonly scalingFactor: number;
  /** Pixel range the autoencoder expects: [−1, 1] (AutoencoderKL) or [0, 1] (TAE). */
  readonly inputRange: readonly [number, number];
  readonly promptEmbedding: { data: Float32Array; shape: number[] };
  readonly scheduler: SchedulerConfig;
  /** Spatial factor from image pixels to the smallest tap scale (autoencoder × UNet downsamplers). */
  readonly alignment: number;
}

/** Where imported models live: $SATDIFUSER_MODELS, else $XDG_DATA_HOME/satdifuser/models (~/.local/share/…). */
export function userModelDir(): string {
  if (process.env.SATDIFUSER_MODELS) return resolve(process.env.SATDIFUSER_MODELS);
  const base = process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(base, 'satdifuser', 'models');
}

/** The models/ folder shipped with the app (repository root). */
export function shippedModelDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'models');
}

export function listModels(): { name: string; dir: string; source: 'user' | 'shipped' }[] {
  const out: { name: string; dir: string; source: 'user' | 'shipped' }[] = [];
  for (const [root, source] of [[userModelDir(), 'user'], [shippedModelDir(), 'shipped']] as const) {
    if (!existsSync(root)) continue;
    for (const name of readdirSync(root)) {
      const dir = join(root, name);
      if (statSync(dir).isDirectory() && existsSync(join(dir, 'backbone.json'))) out.push({ name, dir, source });
    }
  }
  return out;
}

/** A model folder path, or a model name looked up in the user store, then the shipped models. */
export function resolveModel(nameOrPath: string): string {
  if (existsSync(join(nameOrPath, 'backbone.json'))) return resolve(nameOrPath);
  if (!isAbsolute(nameOrPath) && !nameOrPath.includes('/')) {
    for (const root of [userModelDir(), shippedModelDir()]) {
      const dir = join(root, nameOrPath);
      if (existsSync(join(dir, 'backbone.json'))) return dir;
    }
  }
  const known = listModels().map((m) => m.name);
  throw new SatError('FILE_NOT_FOUND', `No backbone model "${nameOrPath}" (a folder with backbone.json, or a model name).`, {
    hint: known.length ? `Installed models: ${known.join(', ')}.` : 'Import one with `satdifuser models import-diffusionsat <folder>`.',
    details: { model: nameOrPath },
  });
}

function rel(dir: string, file: unknown, what: string): string {
  if (typeof file !== 'string') throw new SatError('CORRUPT_WEIGHTS', `${join(dir, 'backbone.json')} does not name the ${what} file.`, { hint: 'Re-import or re-install the model.' });
  const p = join(dir, file);
  if (!existsSync(p)) throw new FileNotFoundError(p, what);
  return p;
}

function readPromptEmbedding(dir: string, pe: Record<string, unknown>): { data: Float32Array; shape: number[] } {
  const file = rel(dir, pe.file, 'prompt embedding');
  if (file.endsWith('.npy')) {
    const a = readNpy(file);
    return { data: a.data, shape: a.shape };
  }
  const r = new SafetensorsReader(file);
  try {
    const key = typeof pe.key === 'string' ? pe.key : r.list()[0].name;
    return { data: r.readFloat32(key), shape: [...r.info(key).shape] };
  } finally {
    r.close();
  }
}

export function loadBackbone(nameOrPath: string): BackboneModel {
  const dir = resolveModel(nameOrPath);
  const card = readJson(join(dir, 'backbone.json'), 'backbone card');
  if (card.format !== BACKBONE_FORMAT) {
    throw new SatError('UNSUPPORTED_FORMAT', `${join(dir, 'backbone.json')} has format ${JSON.stringify(card.format)}; this version reads "${BACKBONE_FORMAT}".`, { hint: 'Update SatDiFuser Studio or re-import the model.' });
  }
  const u = card.unet as Record<string, unknown>;
  const unet = parseUNetConfig(readJson(rel(dir, u.config, 'UNet config'), 'UNet config'), join(dir, String(u.config)));
  const a = card.autoencoder as Record<string, unknown>;
  let autoencoder: AutoencoderSpec;
  let scalingFactor: number;
  let inputRange: [number, number];
  let factor: number;
  if (a._class_name === 'AutoencoderKL') {
    const config = parseVaeConfig(readJson(rel(dir, a.config, 'VAE config'), 'VAE config'));
    autoencoder = { kind: 'kl', config, weights: rel(dir, a.encoder, 'VAE encoder weights') };
    scalingFactor = (a.scaling_factor as number | undefined) ?? config.scalingFactor;
    inputRange = [-1, 1];
    factor = 2 ** (config.blockOutChannels.length - 1);
  } else if (a._class_name === 'TinyAutoencoder') {
    const layers = a.encoder_layers as TaeLayer[];
    factor = layers.reduce((f, l) => (l[0] === 'conv' ? f * l[3] : f), 1);
    autoencoder = { kind: 'tae', layers, weights: rel(dir, a.encoder, 'autoencoder encoder weights'), downscale: factor };
    scalingFactor = a.scaling_factor as number;
    inputRange = [0, 1];
  } else {
    throw new SatError('UNSUPPORTED_FORMAT', `${join(dir, 'backbone.json')}: autoencoder class ${JSON.stringify(a._class_name)} is not supported.`, { hint: 'Supported: AutoencoderKL, TinyAutoencoder.' });
  }
  const promptEmbedding = readPromptEmbedding(dir, card.prompt_embedding as Record<string, unknown>);
  if (promptEmbedding.shape.length !== 3 || promptEmbedding.shape[2] !== unet.crossAttentionDim) {
    throw new SatError('MODEL_MISMATCH', `The prompt embedding of "${dir}" has shape [${promptEmbedding.shape.join(', ')}], the UNet needs [1, 77, ${unet.crossAttentionDim}].`, { hint: 'Re-import the model.' });
  }
  return {
    dir, name: (card.name as string | undefined) ?? dir.split('/').pop()!, card, unet, unetWeights: rel(dir, u.weights, 'UNet weights'),
    autoencoder, scalingFactor, inputRange, promptEmbedding,
    scheduler: (card.scheduler ?? {}) as SchedulerConfig,
    alignment: factor * 2 ** (unet.blockOutChannels.length - 1),
  };
}
