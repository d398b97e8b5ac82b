// Reads an integer pixel window of one TIFF image (full resolution, an overview or a mask) into one array per
// requested sample. Only the blocks the window touches are fetched, a few at a time, through the shared cache.
import { throwIfCancelled } from '../../../shared/errors';
import type { PixelWindow } from '../../../shared/geometry';
import type { BlockCache } from '../blockCache';
import type { ByteSource } from '../byteSource';
import type { BlockDecoder } from '../codec/blockDecoder';
import { allocate, viewAs } from '../dataType';
import type { TypedArray } from '../source';
import { blockRows, type TiffImage } from './image';

export interface ImageReader {
  readonly image: TiffImage;
  readonly source: ByteSource;
  readonly cache: BlockCache;
  readonly decoder: BlockDecoder;
}

// Enough to keep node:zlib's thread pool (4 threads) busy without holding many blocks at once.
const BLOCKS_IN_FLIGHT = 6;

async function loadBlock(r: ImageReader, index: number, rows: number, signal?: AbortSignal): Promise<TypedArray | null> {
  const { image } = r;
  const n = image.byteCounts[index];
  if (n === 0) return null; // sparse block: left at the fill value, as GDAL reads it
  const bytes = await r.cache.get(`${image.ifdIndex}:${index}`, async () => {
    const raw = await r.source.read(image.offsets[index], n, signal);
    return r.decoder.decode(raw, rows);
  });
  return viewAs(image.dataType, bytes);
}

async function forEachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Copies one sample of rows [y0, y1) of a decoded block into a window array (a strided copy, or set() when contiguous). */
function copyRows(
  block: TypedArray, dst: TypedArray, spp: number, sample: number, y0: number, y1: number, blockTop: number, blockWidth: number,
  srcCol: number, dstWidth: number, dstTop: number, dstCol: number, n: number,
): void {
  for (let y = y0; y < y1; y++) {
    const src = ((y - blockTop) * blockWidth + srcCol) * spp + sample;
    const d = (y - dstTop) * dstWidth + dstCol;
    if (spp === 1) {
      dst.set(block.subarray(src, src + n), d);
    } else {
      for (let k = 0, si = src; k < n; k++, si += spp) dst[d + k] = block[si];
    }
  }
}

/**
 * Copies rows [y0, y1) of every requested sample of a pixel-interleaved block in one pass over the block: each
 * pixel is read once (not once per band, strided), which is what a 3- or 4-band read of a whole scene spends its
 * time on. 8-bit, 4 samples per pixel: one 32-bit load per pixel.
 */
function deinterleaveRows(
  block: TypedArray, dst: TypedArray[], spp: number, samples: readonly number[], y0: number, y1: number, blockTop: number,
  blockWidth: number, srcCol: number, dstWidth: number, dstTop: number, dstCol: number, n: number,
): void {
  const words = spp === 4 && block instanceof Uint8Array && block.byteOffset % 4 === 0 && new Set(samples).size === 4 && dst.every((d) => d instanceof Uint8Array)
    ? new Uint32Array(block.buffer, block.byteOffset, block.length >> 2) : null;
  if (words) {
    // Output array for each byte lane (little- or big-endian host: lane k of the word is byte k in memory order).
    const le = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;
    const lane = (k: number) => dst[samples.indexOf(le ? k : 3 - k)] as Uint8Array;
    const [o0, o1, o2, o3] = [lane(0), lane(1), lane(2), lane(3)];
    for (let y = y0; y < y1; y++) {
      const src = (y - blockTop) * blockWidth + srcCol;
      const d = (y - dstTop) * dstWidth + dstCol;
      for (let k = 0; k < n; k++) {
        const v = words[src + k];
        o0[d + k] = v;
        o1[d + k] = v >>> 8;
        o2[d + k] = v >>> 16;
        o3[d + k] = v >>> 24;
      }
    }
    return;
  }
  if (samples.length === 3) {
    const [o0, o1, o2] = dst;
    const [s0, s1, s2] = samples;
    for (let y = y0; y < y1; y++) {
      const src = ((y - blockTop) * blockWidth + srcCol) * spp;
      const d = (y - dstTop) * dstWidth + dstCol;
      for (let k = 0, si = src; k < n; k++, si += spp) {
        o0[d + k] = block[si + s0];
        o1[d + k] = block[si + s1];
        o2[d + k] = block[si + s2];
      }
    }
    return;
  }
  for (let i = 0; i < samples.length; i++) copyRows(block, dst[i], spp, samples[i], y0, y1, blockTop, blockWidth, srcCol, dstWidth, dstTop, dstCol, n);
}

export async function readImageWindow(
  r: ImageReader, win: PixelWindow, samples: readonly number[], fill: number, signal?: AbortSignal,
): Promise<TypedArray[]> {
  const img = r.image;
  const W = win.width;
  const out = samples.map(() => {
    const a = allocate(img.dataType, W * win.height);
    if (fill !== 0) a.fill(fill);
    return a;
  });
  const x0 = Math.max(0, win.x);
  const y0 = Math.max(0, win.y);
  const x1 = Math.min(img.width, win.x + W);
  const y1 = Math.min(img.height, win.y + win.height);
  if (x0 >= x1 || y0 >= y1) return out;
  const bw = img.blockWidth;
  const bh = img.blockHeight;
  const jobs: { bx: number; by: number; plane: number }[] = [];
  const planes = img.planar === 1 ? [0] : [...new Set(samples)];
  for (const plane of planes) {
    for (let by = Math.floor(y0 / bh); by * bh < y1; by++) {
      for (let bx = Math.floor(x0 / bw); bx * bw < x1; bx++) jobs.push({ bx, by, plane });
    }
  }
  const spp = img.planar === 1 ? img.samplesPerPixel : 1;
  await forEachLimited(jobs, BLOCKS_IN_FLIGHT, async ({ bx, by, plane }) => {
    throwIfCancelled(signal, 'Reading the raster');
    const rows = blockRows(img, by);
    const index = plane * img.blocksAcross * img.blocksDown + by * img.blocksAcross + bx;
    const block = await loadBlock(r, index, rows, signal);
    if (!block) return;
    const cx0 = Math.max(x0, bx * bw);
    const cx1 = Math.min(x1, (bx + 1) * bw);
    const cy0 = Math.max(y0, by * bh);
    const cy1 = Math.min(y1, by * bh + rows);
    const n = cx1 - cx0;
    if (img.planar === 2) {
      for (let i = 0; i < samples.length; i++) {
        if (samples[i] !== plane) continue;
        copyRows(block, out[i], 1, 0, cy0, cy1, by * bh, bw, cx0 - bx * bw, W, win.y, cx0 - win.x, n);
      }
      return;
    }
    if (spp > 1 && samples.length > 1) {
      deinterleaveRows(block, out, spp, samples, cy0, cy1, by * bh, bw, cx0 - bx * bw, W, win.y, cx0 - win.x, n);
      return;
    }
    for (let i = 0; i < samples.length; i++) {
      copyRows(block, out[i], spp, samples[i], cy0, cy1, by * bh, bw, cx0 - bx * bw, W, win.y, cx0 - win.x, n);
    }
  });
  return out;
}
