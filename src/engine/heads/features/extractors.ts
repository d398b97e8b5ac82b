// The `--backbone` choices as feature extractors with their tap layout:
//   pixels       no network: the tile itself at the four tap scales (../pixels.ts), the baseline
//   default      the shipped backbone (models/…)
//   random-init  the default backbone's UNet with freshly initialised weights (fixed seed), see randomInit.ts
//   <id|folder>  an installed or imported backbone (e.g. an imported DiffusionSat)
// Every extractor returns, per tile, one [C, H, W] tensor per (timestep, scale) named t<label>_s<k>.
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { InvalidArgumentError, throwIfCancelled } from '../../../shared/errors';
import type { FeatureExtractor, TileInput } from '../../jobs/model';
import type { FeatureSet, FeatureTensor } from '../../store/featureCache';
import { BackboneRuntime } from '../../backbone/backboneRuntime';
import { backboneProviders, type SessionChoice } from '../../backbone/providers';
import { type BackboneModel, listModels, loadBackbone } from '../../backbone/modelStore';
import type { BackboneRef } from '../artifact/card';
import { pixelFeatures, pixelsLayout } from '../pixels';
import { featureName, type TapLayout } from '../spec';
import { randomInitModel } from './randomInit';

export const RELEASE_TIMESTEPS = [47, 45, 40];

export interface BackboneHandle {
  readonly extractor: FeatureExtractor;
  readonly layout: TapLayout;
  readonly ref: BackboneRef;
  readonly description: string;
  release(): Promise<void>;
}

/** Threads and execution providers for the backbone's sessions (SessionChoice), and the tiling. */
export interface OpenBackboneOptions extends SessionChoice {
  readonly tileSize: number;
  /** Tiles per backbone call. */
  readonly batch?: number;
  readonly seed?: number;
}

/** `choice`: pixels | default | random-init | random-init:<seed> | a model id or folder. */
export async function openBackbone(choice: string, o: OpenBackboneOptions): Promise<BackboneHandle> {
  if (choice === 'pixels') return pixelsBackbone(o.tileSize);
  const random = /^random-init(?::(\d+))?$/.exec(choice);
  if (random) {
    const seed = random[1] !== undefined ? Number(random[1]) : o.seed ?? 0;
    const model = loadBackbone(randomInitModel(loadBackbone(defaultModelName()), seed));
    return modelBackbone(model, o, 'random-init', `random-init:${seed}`);
  }
  const model = loadBackbone(choice === 'default' ? defaultModelName() : choice);
  return modelBackbone(model, o, undefined, choice === 'default' ? 'default' : model.dir);
}

/**
 * The default backbone: $SATDIFUSER_DEFAULT_BACKBONE (a model folder) when set, else the model shipped under models/.
 */
export function defaultModelName(): string {
  if (process.env.SATDIFUSER_DEFAULT_BACKBONE) return process.env.SATDIFUSER_DEFAULT_BACKBONE;
  const models = listModels();
  const shipped = models.find((m) => m.source === 'shipped');
  if (shipped) return shipped.dir;
  throw new InvalidArgumentError('No default backbone is installed (models/ holds no model with a backbone.json).', 'Use --backbone pixels, or pass an imported model with --backbone <id or folder>.');
}

function pixelsBackbone(tileSize: number): BackboneHandle {
  const layout = pixelsLayout(3, tileSize);
  const extractor: FeatureExtractor = {
    id: 'pixels', weightsHash: 'none', tileSize, inputChannels: 3, settings: { kind: 'pixels', unshuffle: 8, scales: 4 }, device: 'cpu (JavaScript)',
    async extract(tiles: readonly TileInput[], signal?: AbortSignal): Promise<FeatureSet[]> {
      return tiles.map((t) => {
        throwIfCancelled(signal, 'Feature extraction');
        if (t.width !== tileSize || t.height !== tileSize || t.channels !== 3) throw new InvalidArgumentError(`The pixels backbone takes 3-band ${tileSize}² tiles, got ${t.channels}×${t.width}×${t.height}.`);
        return pixelFeatures(t.data, 3, tileSize);
      });
    },
  };
  return { extractor, layout, ref: { id: 'pixels', weightsHash: 'none', settings: extractor.settings, source: 'pixels' }, description: 'raw pixels (no backbone)', release: async () => {} };
}

/** Tap layout of a diffusers UNet: per up block (coarsest first in the UNet, reversed here to widest first). */
export function modelLayout(model: BackboneModel, tileSize: number, timesteps: readonly number[] = RELEASE_TIMESTEPS): TapLayout {
  const cfg = model.unet;
  const factor = model.alignment / 2 ** (cfg.blockOutChannels.length - 1);
  const rev = [...cfg.blockOutChannels].reverse();
  const n = cfg.layersPerBlock + 1;
  const h = tileSize / factor;
  const scales = cfg.upBlockTypes.map((t, i) => {
    const c = rev[i]!;
    const attn = t === 'CrossAttnUpBlock2D' ? Array.from({ length: n }, (_, j) => ({ name: `attn1_${j}`, channels: c })) : [];
    return { taps: [...attn, ...Array.from({ length: n }, (_, j) => ({ name: `conv2_${j}`, channels: c }))] };
  }).reverse();
  return { timesteps: [...timesteps], tileSize, scales: scales.map((s, k) => ({ size: h / 2 ** k, taps: s.taps })) };
}

const hashMemo = new Map<string, string>();

/** sha256 of the UNet and autoencoder weights (memoised per file path, size and mtime). */
export function weightsFingerprint(model: BackboneModel): string {
  const h = createHash('sha256');
  for (const p of [model.unetWeights, model.autoencoder.weights]) {
    const st = statSync(p);
    const memoKey = `${p}:${st.size}:${st.mtimeMs}`;
    let d = hashMemo.get(memoKey);
    if (!d) {
      const fh = createHash('sha256');
      const fd = openSync(p, 'r');
      try {
        const buf = Buffer.alloc(1 << 22);
        let pos = 0;
        for (;;) {
          const k = readSync(fd, buf, 0, buf.length, pos);
          if (k <= 0) break;
          fh.update(buf.subarray(0, k));
          pos += k;
        }
      } finally {
        closeSync(fd);
      }
      d = fh.digest('hex');
      hashMemo.set(memoKey, d);
    }
    h.update(d);
  }
  return h.digest('hex');
}

async function modelBackbone(model: BackboneModel, o: OpenBackboneOptions, id: string | undefined, source: string): Promise<BackboneHandle> {
  if (o.tileSize % model.alignment !== 0) throw new InvalidArgumentError(`Tiles of ${o.tileSize} px do not fit the backbone "${model.name}", which needs multiples of ${model.alignment} px.`);
  const layout = modelLayout(model, o.tileSize);
  const weightsHash = weightsFingerprint(model);
  const settings = { timesteps: RELEASE_TIMESTEPS, taps: 'up_blocks attn1+conv2', latent: 'posterior mean', inversion: 'ddim-50 eps-update' };
  let runtime: BackboneRuntime | null = null;
  const [lo, hi] = model.inputRange;
  const batch = Math.max(1, o.batch ?? 1);
  const extractor: FeatureExtractor = {
    id: id ?? model.name, weightsHash, tileSize: o.tileSize, inputChannels: 3, settings,
    // What actually runs once the sessions exist (a requested GPU may have fallen back to the CPU).
    get device() {
      const active = runtime?.providers.unet.active ?? `${backboneProviders(o)[0]} requested`;
      return `${active} (${o.threads ?? 'default'} threads)`;
    },
    async extract(tiles: readonly TileInput[], signal?: AbortSignal): Promise<FeatureSet[]> {
      runtime ??= await BackboneRuntime.open(model, o.tileSize, o.tileSize, { threads: o.threads, providers: o.providers, onProvider: o.onProvider });
      const out: FeatureSet[] = [];
      for (let i = 0; i < tiles.length; i += batch) {
        throwIfCancelled(signal, 'Feature extraction');
        const chunk = tiles.slice(i, i + batch);
        const plane = 3 * o.tileSize * o.tileSize;
        const pixels = new Float32Array(chunk.length * plane);
        chunk.forEach((t, b) => {
          if (t.channels !== 3 || t.width !== o.tileSize || t.height !== o.tileSize) throw new InvalidArgumentError(`The backbone takes 3-band ${o.tileSize}² tiles, got ${t.channels}×${t.width}×${t.height}.`);
          for (let k = 0; k < plane; k++) pixels[b * plane + k] = lo + (hi - lo) * t.data[k]!;
        });
        const sets = await runtime.features(pixels, chunk.length, RELEASE_TIMESTEPS, { signal });
        chunk.forEach((_, b) => {
          const tensors: FeatureTensor[] = [];
          for (const set of sets) {
            set.scales.forEach((s, k) => {
              const [, c, h, w] = s.dims as [number, number, number, number];
              const n = c * h * w;
              tensors.push({ name: featureName(set.label, k), shape: [c, h, w], data: s.data.slice(b * n, (b + 1) * n) });
            });
          }
          out.push(tensors);
        });
      }
      return out;
    },
  };
  return {
    extractor, layout, ref: { id: extractor.id, weightsHash, settings, source }, description: `${model.name} (${model.dir})`,
    release: async () => { await runtime?.release(); runtime = null; },
  };
}
