// The `features --backbone <model> --image <raster>` path: read a window of a real raster, choose three bands
// (RGB), scale them to [0, 1] (uint8 / 255, else a 2–98 % percentile stretch), map to the autoencoder's range
// ([−1, 1] for AutoencoderKL, [0, 1] for TAE), pad right/bottom by edge replication to the model's alignment
// (so the ground sampling distance is kept: no resampling), encode and run the inversion.
import { InvalidArgumentError } from '../../shared/errors';
import { fixedRanges, normalizeBlock, percentileStretch } from '../raster/normalize';
import { openRaster } from '../raster/open';
import { BackboneRuntime } from './backboneRuntime';
import type { BackboneJobOptions } from './providers';
import type { TapSet } from './inversion';
import { loadBackbone } from './modelStore';

export interface ImageExtraction extends BackboneJobOptions {
  readonly model: string;
  readonly image: string;
  /** "x,y,w,h" in pixels (default: the whole raster). */
  readonly window?: string;
  /** "r,g,b" 1-based band numbers (default 1,2,3; a single band is repeated). */
  readonly bands?: string;
  readonly saveLabels?: readonly number[];
}

function parseInts(s: string, n: number, what: string): number[] {
  const v = s.split(',').map((x) => Number(x.trim()));
  if (v.length !== n || v.some((x) => !Number.isInteger(x))) throw new InvalidArgumentError(`${what} must be ${n} integers separated by commas, got "${s}".`);
  return v;
}

export async function extractFromImage(o: ImageExtraction): Promise<{ sets: TapSet[]; description: Record<string, unknown> }> {
  const model = loadBackbone(o.model);
  const src = await openRaster(o.image);
  try {
    const info = src.info;
    const [x, y, w, h] = o.window ? parseInts(o.window, 4, '--window') : [0, 0, info.width, info.height];
    if (w <= 0 || h <= 0 || x < 0 || y < 0 || x + w > info.width || y + h > info.height) {
      throw new InvalidArgumentError(`The window ${x},${y},${w},${h} is not inside the ${info.width}×${info.height} raster.`, 'Give x,y,w,h with 0 ≤ x, x+w ≤ width, 0 ≤ y, y+h ≤ height.');
    }
    const bands = (o.bands ? parseInts(o.bands, 3, '--bands') : info.bands >= 3 ? [1, 2, 3] : [1, 1, 1]).map((b) => b - 1);
    if (bands.some((b) => b < 0 || b >= info.bands)) throw new InvalidArgumentError(`--bands ${o.bands} names a band the raster does not have (it has ${info.bands}).`);
    const a = model.alignment;
    const H = Math.ceil(h / a) * a, W = Math.ceil(w / a) * a;
    const block = await src.read({ window: { x, y, width: w, height: h }, bands, signal: o.signal });
    const ranges = info.dataType === 'uint8'
      ? fixedRanges(0, 255, 3)
      : (await percentileStretch(src, { bands, signal: o.signal })).ranges;
    const planes = normalizeBlock(block, ranges, true);
    const [lo, hi] = model.inputRange;
    const pixels = new Float32Array(3 * H * W);
    for (let c = 0; c < 3; c++) {
      for (let r = 0; r < H; r++) {
        const sr = Math.min(r, h - 1);
        for (let q = 0; q < W; q++) pixels[c * H * W + r * W + q] = lo + (hi - lo) * planes[c][sr * w + Math.min(q, w - 1)];
      }
    }
    const rt = await BackboneRuntime.open(model, H, W, { threads: o.threads, providers: o.providers, onProvider: o.onProvider, onProgress: o.onProgress });
    try {
      const sets = await rt.features(pixels, 1, o.saveLabels ?? [47, 45, 40], { signal: o.signal, onProgress: o.onProgress });
      return {
        sets,
        description: {
          model: model.name, model_dir: model.dir, image: o.image, window: { x, y, width: w, height: h },
          padded_to: { width: W, height: H }, provider: { encoder: rt.providers.encoder.active, unet: rt.providers.unet.active }, bands: bands.map((b) => b + 1), ranges, input_range: model.inputRange,
          latent: 'posterior mean × scaling factor', scaling_factor: model.scalingFactor,
          labels: sets.map((s) => ({ label: s.label, timestep: s.t })),
          scales: sets[0]?.scales.map((s, k) => ({ name: `s${k + 1}`, shape: s.dims })),
        },
      };
    } finally {
      await rt.release();
    }
  } finally {
    await src.close();
  }
}
