// The real backbone behind the FeatureExtractor interface: a model from the model store (the shipped
// default or an imported DiffusionSat), its ONNX runtime opened once at the tile size, tiles batched through
// the autoencoder and the DDIM-inversion taps. Each tile's features are named t<label>_s<scale> ([C, h, w]).
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { InvalidArgumentError } from '../../shared/errors';
import { BackboneRuntime } from '../backbone/backboneRuntime';
import { loadBackbone, type BackboneModel } from '../backbone/modelStore';
import { sha256Hex } from '../store/featureKey';
import type { FeatureSet, FeatureTensor } from '../store/featureCache';
import type { FeatureExtractor, TileInput } from './model';

export interface BackboneExtractorOptions {
  /** Tile side in pixels; a multiple of the model's alignment. Default 256. */
  readonly tileSize?: number;
  /** Timestep labels kept (the release keeps 47, 45, 40). */
  readonly labels?: readonly number[];
  readonly threads?: number;
}

export interface BackboneExtractor extends FeatureExtractor {
  readonly model: BackboneModel;
  release(): Promise<void>;
}

/** The card's source hash when the importer recorded one, else a fingerprint of the weights file (size, first and last MiB). */
function weightsHash(model: BackboneModel): string {
  const recorded = model.card.source_unet_sha256;
  if (typeof recorded === 'string' && recorded) return recorded;
  const size = statSync(model.unetWeights).size;
  const fd = openSync(model.unetWeights, 'r');
  try {
    const n = Math.min(size, 1 << 20);
    const head = Buffer.alloc(n), tail = Buffer.alloc(n);
    readSync(fd, head, 0, n, 0);
    readSync(fd, tail, 0, n, size - n);
    return sha256Hex(String(size), head, tail);
  } finally {
    closeSync(fd);
  }
}

export async function openBackboneExtractor(nameOrPath: string, o: BackboneExtractorOptions = {}): Promise<BackboneExtractor> {
  const model = loadBackbone(nameOrPath);
  const tileSize = o.tileSize ?? 256;
  if (tileSize % model.alignment !== 0) {
    throw new InvalidArgumentError(`Tile size ${tileSize} is not a multiple of ${model.alignment}, the model's alignment (autoencoder × UNet downsampling).`, `Use e.g. ${Math.max(1, Math.round(tileSize / model.alignment)) * model.alignment}.`);
  }
  const labels = [...(o.labels ?? [47, 45, 40])];
  const rt = await BackboneRuntime.open(model, tileSize, tileSize, { threads: o.threads });
  const [lo, hi] = model.inputRange;
  return {
    id: model.name,
    weightsHash: weightsHash(model),
    tileSize,
    inputChannels: 3,
    settings: { labels, latent: 'posterior-mean', scheduler: model.scheduler, alignment: model.alignment },
    device: `cpu (onnxruntime${o.threads ? `, ${o.threads} threads` : ''})`,
    model,
    async extract(tiles: readonly TileInput[], signal?: AbortSignal): Promise<FeatureSet[]> {
      const n = tileSize * tileSize;
      const pixels = new Float32Array(tiles.length * 3 * n);
      tiles.forEach((t, b) => {
        if (t.channels !== 3 || t.width !== tileSize || t.height !== tileSize) throw new InvalidArgumentError(`The backbone takes 3 × ${tileSize} × ${tileSize} tiles, got ${t.channels} × ${t.height} × ${t.width}.`);
        for (let i = 0; i < 3 * n; i++) pixels[b * 3 * n + i] = lo + (hi - lo) * t.data[i];
      });
      const sets = await rt.features(pixels, tiles.length, labels, { signal });
      return tiles.map((_, b) => {
        const out: FeatureTensor[] = [];
        for (const s of sets) {
          s.scales.forEach((scale, k) => {
            const [, c, h, w] = scale.dims;
            const per = c * h * w;
            out.push({ name: `t${s.label}_s${k + 1}`, shape: [c, h, w], data: scale.data.slice(b * per, (b + 1) * per) });
          });
        }
        return out;
      });
    },
    release: () => rt.release(),
  };
}
