// The `pixels` backbone: no network, the image itself at the four scales a diffusion backbone's taps come in, so
// the very same head (fusion + decoder) can be trained on raw pixels as the baseline every backbone must beat.
//
// Scale k (k = 0…3) is the tile average-pooled by 2^k and then pixel-unshuffled by 8 (PyTorch's pixel_unshuffle
// channel order: c·64 + dy·8 + dx), so it has the taps' spatial size (tile/8, /16, /32, /64) and keeps every pixel
// value of its pooled image instead of averaging 8×8 blocks away: a fair baseline, not a blurred one.
import { InvalidArgumentError } from '../../shared/errors';
import type { FeatureTensor } from '../store/featureCache';
import { featureName, type TapLayout } from './spec';

export const PIXELS_TIMESTEP = 0;
const R = 8;

export function pixelsLayout(channels: number, tileSize: number): TapLayout {
  if (tileSize % (R * 8) !== 0) throw new InvalidArgumentError(`The pixels backbone needs a tile side divisible by 64, got ${tileSize}.`);
  return {
    timesteps: [PIXELS_TIMESTEP],
    tileSize,
    scales: [0, 1, 2, 3].map((k) => ({ size: tileSize / R / 2 ** k, taps: [{ name: `pixels_${k}`, channels: channels * R * R }] })),
  };
}

/** image: channels × size × size (row-major, channels first). */
export function pixelFeatures(image: Float32Array, channels: number, size: number): FeatureTensor[] {
  if (image.length !== channels * size * size) throw new InvalidArgumentError(`A ${channels}-band ${size}×${size} tile needs ${channels * size * size} values, got ${image.length}.`);
  if (size % (R * 8) !== 0) throw new InvalidArgumentError(`The pixels backbone needs a tile side divisible by 64, got ${size}.`);
  const out: FeatureTensor[] = [];
  let level = image;
  let side = size;
  for (let k = 0; k < 4; k++) {
    if (k > 0) {
      level = halve(level, channels, side);
      side /= 2;
    }
    const h = side / R;
    const data = new Float32Array(channels * R * R * h * h);
    for (let c = 0; c < channels; c++) {
      for (let dy = 0; dy < R; dy++) {
        for (let dx = 0; dx < R; dx++) {
          const oc = (c * R + dy) * R + dx;
          for (let y = 0; y < h; y++) {
            const src = c * side * side + (y * R + dy) * side + dx;
            const dst = (oc * h + y) * h;
            for (let x = 0; x < h; x++) data[dst + x] = level[src + x * R]!;
          }
        }
      }
    }
    out.push({ name: featureName(PIXELS_TIMESTEP, k), shape: [channels * R * R, h, h], data });
  }
  return out;
}

/** 2×2 average pooling. */
function halve(img: Float32Array, channels: number, side: number): Float32Array {
  const s = side / 2;
  const out = new Float32Array(channels * s * s);
  for (let c = 0; c < channels; c++) {
    const base = c * side * side;
    for (let y = 0; y < s; y++) {
      for (let x = 0; x < s; x++) {
        const i = base + 2 * y * side + 2 * x;
        out[(c * s + y) * s + x] = (img[i]! + img[i + 1]! + img[i + side]! + img[i + side + 1]!) / 4;
      }
    }
  }
  return out;
}
