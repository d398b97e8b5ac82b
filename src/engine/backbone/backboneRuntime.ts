// A loaded backbone ready to run: autoencoder encoder + UNet-with-taps sessions for one tile size (graphs cached
// on disk, see graphCacheDir, so the second run starts without rebuilding), and the whole extraction
// image → latent (posterior mean × scaling factor) → inversion taps, batched over tiles.
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, relative, resolve } from 'node:path';
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
    const stamp = (p: string) => Math.round(statSync(p).mtimeMs).toString(36);
    const f = model.autoencoder.kind === 'kl' ? 2 ** (model.autoencoder.config.blockOutChannels.length - 1) : model.autoencoder.downscale;
    const encPath = join(cache, `encoder_${width}x${height}_${stamp(model.autoencoder.weights)}.onnx`);
    const unetPath = join(cache, `unet_taps_${width / f}x${height / f}_${stamp(model.unetWeights)}.onnx`);
    const ensure = (path: string, build: () => Parameters<typeof writeGraph>[0]) => {
      if (existsSync(path)) return;
      mkdirSync(cache, { recursive: true });
      writeGraph(build(), path);
    };
    o.onProgress?.('preparing the autoencoder graph', 0, 2);
    ensure(encPath, () => {
      const r = openWeights(model.autoencoder.weights);
      try {
        const ae = model.autoencoder;
        return ae.kind === 'kl'
          ? buildVaeEncoderGraph(ae.config, new WeightSource(r, oldVaeAttentionName), { height, width })
          : buildTaeEncoderGraph(ae.layers, new WeightSource(r), { height, width });
      } finally {
        r.close();
      }
    });
    o.onProgress?.('preparing the UNet graph', 1, 2);
    ensure(unetPath, () => {
      const r = openWeights(model.unetWeights);
      try {
        return buildUNetGraph(model.unet, new WeightSource(r), { height: height / f, width: width / f });
      } finally {
        r.close();
      }
    });
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
