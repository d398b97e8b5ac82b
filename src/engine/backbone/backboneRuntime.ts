// A loaded backbone ready to run: autoencoder encoder + UNet-with-taps sessions for one tile size (graphs cached
// on disk, see graphCacheDir, so the second run starts without rebuilding), and the whole extraction
// image → latent (posterior mean × scaling factor) → inversion taps, batched over tiles.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join, relative, resolve } from 'node:path';
import { InvalidArgumentError } from '../../shared/errors';
import { openWeights } from '../nn/weights/open';
import { type ProviderReport, Session, Tensor } from '../runtime';
import { type TapSet, invertAndTap } from './inversion';
import { type BackboneModel, userModelDir } from './modelStore';
import { type BackboneJobOptions, backboneProviders } from './providers';
import { inversionSteps } from './schedule';
import { writeGraph } from './sessionFromGraph';
import { buildTaeEncoderGraph } from './taeGraph';
import { buildUNetGraph } from './unetGraph';
import { buildVaeEncoderGraph, oldVaeAttentionName } from './vaeGraph';
import { WeightSource } from './weightSource';

export type RuntimeOptions = BackboneJobOptions;

/**
 * Where a model's ONNX graphs are cached: inside the model folder for models in the user store, else (shipped,
 * possibly read-only models) under $SATDIFUSER_CACHE or $XDG_CACHE_HOME/satdifuser/onnx/<name>.
 */
export function graphCacheDir(model: BackboneModel): string {
  const rel = relative(userModelDir(), resolve(model.dir));
  if (!rel.startsWith('..') && !rel.startsWith('/')) return join(model.dir, 'onnx');
  const base = process.env.SATDIFUSER_CACHE || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'satdifuser');
  return join(base, 'onnx', model.name);
}

/** Bump when a graph builder (autoencoder encoder, UNet with taps) changes what it emits for the same
 *  weights and config: graphs cached by an earlier build are then rebuilt instead of silently reused. */
export const GRAPH_FORMAT = 2;

/** The cached graph's file name: what it is, its input size, and a hash of everything its bytes depend on. */
export function graphFileName(kind: 'encoder' | 'unet_taps', width: number, height: number, config: unknown, weights: string): string {
  const st = statSync(weights);
  const key = createHash('sha256')
    .update(JSON.stringify({ format: GRAPH_FORMAT, kind, width, height, config, weights: [resolve(weights), st.size, Math.round(st.mtimeMs)] }))
    .digest('hex')
    .slice(0, 16);
  return `${kind}_${width}x${height}_${key}.onnx`;
}

/** Writes a graph (and its external data) so that a graph file in the cache is always complete: built in a
 *  scratch folder, data moved in first, the graph last. Earlier builds of the same graph and size go. */
function writeCachedGraph(cache: string, name: string, build: () => Parameters<typeof writeGraph>[0]): void {
  const path = join(cache, name);
  if (existsSync(path)) return;
  mkdirSync(cache, { recursive: true });
  const scratch = mkdtempSync(join(cache, '.building-'));
  try {
    const files = writeGraph(build(), join(scratch, name));
    for (const f of files.slice(1)) renameSync(f, join(cache, basename(f)));
    renameSync(files[0], path);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const stem = name.slice(0, name.lastIndexOf('_') + 1);
  for (const f of readdirSync(cache)) {
    if (f.startsWith(stem) && f !== name && f !== `${name}.data`) rmSync(join(cache, f), { force: true });
  }
}

export class BackboneRuntime {
  private constructor(
    readonly model: BackboneModel,
    readonly height: number,
    readonly width: number,
    private readonly encoder: Session,
    private readonly unet: Session,
  ) {}

  /** Sessions for `height`×`width` pixel tiles (multiples of model.alignment). */
  static async open(model: BackboneModel, height: number, width: number, o: RuntimeOptions = {}): Promise<BackboneRuntime> {
    if (height % model.alignment || width % model.alignment) {
      throw new InvalidArgumentError(`Tiles of ${width}×${height} px do not fit this backbone, which needs multiples of ${model.alignment} px.`);
    }
    const cache = graphCacheDir(model);
    const f = model.autoencoder.kind === 'kl' ? 2 ** (model.autoencoder.config.blockOutChannels.length - 1) : model.autoencoder.downscale;
    const ae = model.autoencoder;
    const encName = graphFileName('encoder', width, height, ae.kind === 'kl' ? { kind: ae.kind, config: ae.config } : { kind: ae.kind, layers: ae.layers }, ae.weights);
    const unetName = graphFileName('unet_taps', width / f, height / f, model.unet, model.unetWeights);
    o.onProgress?.('preparing the autoencoder graph', 0, 2);
    writeCachedGraph(cache, encName, () => {
      const r = openWeights(ae.weights);
      try {
        return ae.kind === 'kl'
          ? buildVaeEncoderGraph(ae.config, new WeightSource(r, oldVaeAttentionName), { height, width })
          : buildTaeEncoderGraph(ae.layers, new WeightSource(r), { height, width });
      } finally {
        r.close();
      }
    });
    o.onProgress?.('preparing the UNet graph', 1, 2);
    writeCachedGraph(cache, unetName, () => {
      const r = openWeights(model.unetWeights);
      try {
        return buildUNetGraph(model.unet, new WeightSource(r), { height: height / f, width: width / f });
      } finally {
        r.close();
      }
    });
    const encPath = join(cache, encName);
    const unetPath = join(cache, unetName);
    const opts = { intraOpThreads: o.threads, providers: backboneProviders(o) };
    const enc = await Session.create(encPath, { ...opts, label: 'the autoencoder encoder' });
    o.onProvider?.('the autoencoder encoder', enc.provider);
    let unet: Session;
    try {
      unet = await Session.create(unetPath, { ...opts, label: 'the UNet' });
    } catch (e) {
      await enc.release();
      throw e;
    }
    o.onProvider?.('the UNet', unet.provider);
    return new BackboneRuntime(model, height, width, enc, unet);
  }

  /** Pixels already scaled to the model's input range, [B, 3, H, W] → scaled latent [B, L, h, w]. */
  /** Which provider runs each session (and why earlier ones in the order were not used). */
  get providers(): { encoder: ProviderReport; unet: ProviderReport } {
    return { encoder: this.encoder.provider, unet: this.unet.provider };
  }

  async encode(pixels: Float32Array, batch: number, o: RuntimeOptions = {}): Promise<{ data: Float32Array; dims: number[] }> {
    const r = await this.encoder.run({ image: Tensor.of('float32', pixels, [batch, 3, this.height, this.width]) }, { signal: o.signal });
    const out = r.moments ?? r.latent;
    const [b, c, h, w] = out.dims;
    const src = out.toFloat32();
    // AutoencoderKL: the posterior mean is the first half of the moments (the release samples instead).
    const lc = this.model.autoencoder.kind === 'kl' ? c / 2 : c;
    const data = new Float32Array(b * lc * h * w);
    const plane = lc * h * w;
    for (let i = 0; i < b; i++) {
      const from = src.subarray(i * c * h * w, i * c * h * w + plane);
      for (let k = 0; k < plane; k++) data[i * plane + k] = Math.fround(from[k] * this.model.scalingFactor);
    }
    return { data, dims: [b, lc, h, w] };
  }

  async features(pixels: Float32Array, batch: number, labels: readonly number[] = [47, 45, 40], o: RuntimeOptions = {}): Promise<TapSet[]> {
    const latent = await this.encode(pixels, batch, o);
    const steps = inversionSteps(this.model.scheduler, labels);
    const pe = this.model.promptEmbedding;
    return invertAndTap(this.unet, latent.data, latent.dims, {
      steps, saveLabels: labels, promptEmbedding: { data: pe.data, dims: pe.shape }, signal: o.signal,
      onStep: (d, t) => o.onProgress?.('UNet calls', d, t),
    });
  }

  async release(): Promise<void> {
    await this.encoder.release();
    await this.unet.release();
  }
}
