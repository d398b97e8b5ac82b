// Resampling of a read window to an output grid. Coordinates follow GDAL's convention: output pixel i covers
// [x + i·s, x + (i+1)·s) of the source (s = source width / output width) and is sampled at its centre.
// Invalid source pixels (outside the raster, nodata, masked) never contribute: bilinear and average renormalise
// their weights over the valid neighbours, and an output pixel with no valid contributor is itself invalid.
import type { RasterDataType } from '../../shared/raster';
import { allocate, toType } from './dataType';
import type { Resampling, TypedArray } from './source';

export interface Grid {
  readonly width: number;
  readonly height: number;
  readonly bands: TypedArray[];
  readonly valid: Uint8Array;
}

/** A rectangle in source pixel coordinates; need not be integer. */
export interface SourceBox {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

const clampIndex = (k: number, n: number): number => (k < 0 ? 0 : k >= n ? n - 1 : k);

function nearestIndex(start: number, size: number, out: number, n: number): Int32Array {
  const s = size / out;
  const idx = new Int32Array(out);
  for (let i = 0; i < out; i++) idx[i] = clampIndex(Math.floor(start + (i + 0.5) * s), n);
  return idx;
}

interface Taps { k0: Int32Array; k1: Int32Array; f: Float64Array }

function bilinearTaps(start: number, size: number, out: number, n: number): Taps {
  const s = size / out;
  const k0 = new Int32Array(out);
  const k1 = new Int32Array(out);
  const f = new Float64Array(out);
  for (let i = 0; i < out; i++) {
    const u = start + (i + 0.5) * s - 0.5;
    const k = Math.floor(u);
    f[i] = u - k;
    k0[i] = clampIndex(k, n);
    k1[i] = clampIndex(k + 1, n);
  }
  return { k0, k1, f };
}

interface Spans { first: Int32Array; count: Int32Array; weights: Float64Array[] }

function averageSpans(start: number, size: number, out: number, n: number): Spans {
  const s = size / out;
  const first = new Int32Array(out);
  const count = new Int32Array(out);
  const weights: Float64Array[] = [];
  for (let i = 0; i < out; i++) {
    const a = start + i * s;
    const b = a + s;
    const k0 = Math.max(0, Math.floor(a));
    const k1 = Math.min(n, Math.ceil(b));
    const w = new Float64Array(Math.max(0, k1 - k0));
    for (let k = k0; k < k1; k++) w[k - k0] = Math.min(b, k + 1) - Math.max(a, k);
    first[i] = k0;
    count[i] = w.length;
    weights.push(w);
  }
  return { first, count, weights };
}

export function resampleGrid(
  src: Grid, box: SourceBox, outWidth: number, outHeight: number, method: Resampling, dataType: RasterDataType, fill: number,
): Grid {
  const n = outWidth * outHeight;
  const bands = src.bands.map(() => {
    const a = allocate(dataType, n);
    if (fill !== 0) a.fill(fill);
    return a;
  });
  const valid = new Uint8Array(n);
  const W = src.width;
  const sv = src.valid;
  if (method === 'nearest') {
    const xi = nearestIndex(box.x, box.width, outWidth, W);
    const yi = nearestIndex(box.y, box.height, outHeight, src.height);
    for (let j = 0; j < outHeight; j++) {
      const row = yi[j] * W;
      for (let i = 0; i < outWidth; i++) {
        const s = row + xi[i];
        if (!sv[s]) continue;
        const o = j * outWidth + i;
        valid[o] = 1;
        for (let b = 0; b < bands.length; b++) bands[b][o] = src.bands[b][s];
      }
    }
  } else if (method === 'bilinear') {
    const tx = bilinearTaps(box.x, box.width, outWidth, W);
    const ty = bilinearTaps(box.y, box.height, outHeight, src.height);
    for (let j = 0; j < outHeight; j++) {
      const r0 = ty.k0[j] * W;
      const r1 = ty.k1[j] * W;
      const fy = ty.f[j];
      for (let i = 0; i < outWidth; i++) {
        const fx = tx.f[i];
        const i00 = r0 + tx.k0[i];
        const i01 = r0 + tx.k1[i];
        const i10 = r1 + tx.k0[i];
        const i11 = r1 + tx.k1[i];
        const w00 = sv[i00] ? (1 - fx) * (1 - fy) : 0;
        const w01 = sv[i01] ? fx * (1 - fy) : 0;
        const w10 = sv[i10] ? (1 - fx) * fy : 0;
        const w11 = sv[i11] ? fx * fy : 0;
        const total = w00 + w01 + w10 + w11;
        if (total <= 0) continue;
        const o = j * outWidth + i;
        valid[o] = 1;
        for (let b = 0; b < bands.length; b++) {
          const sb = src.bands[b];
          // Weights of invalid neighbours are 0, so their (nodata) values do not matter.
          const acc = w00 * (w00 ? sb[i00] : 0) + w01 * (w01 ? sb[i01] : 0) + w10 * (w10 ? sb[i10] : 0) + w11 * (w11 ? sb[i11] : 0);
          bands[b][o] = toType(dataType, acc / total);
        }
      }
    }
  } else {
    const sx = averageSpans(box.x, box.width, outWidth, W);
    const sy = averageSpans(box.y, box.height, outHeight, src.height);
    const acc = new Float64Array(bands.length);
    for (let j = 0; j < outHeight; j++) {
      const wy = sy.weights[j];
      for (let i = 0; i < outWidth; i++) {
        const wx = sx.weights[i];
        let total = 0;
        acc.fill(0);
        for (let a = 0; a < wy.length; a++) {
          const row = (sy.first[j] + a) * W + sx.first[i];
          for (let c = 0; c < wx.length; c++) {
            const s = row + c;
            if (!sv[s]) continue;
            const w = wy[a] * wx[c];
            total += w;
            for (let b = 0; b < bands.length; b++) acc[b] += w * src.bands[b][s];
          }
        }
        if (total <= 0) continue;
        const o = j * outWidth + i;
        valid[o] = 1;
        for (let b = 0; b < bands.length; b++) bands[b][o] = toType(dataType, acc[b] / total);
      }
    }
  }
  return { width: outWidth, height: outHeight, bands, valid };
}
