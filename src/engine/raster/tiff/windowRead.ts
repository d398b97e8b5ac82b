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
    for (let i = 0; i < samples.length; i++) {
      const s = samples[i];
      if (img.planar === 2 && s !== plane) continue;
      const dst = out[i];
      const sOff = img.planar === 1 ? s : 0;
      for (let y = cy0; y < cy1; y++) {
        const srcRow = ((y - by * bh) * bw + (cx0 - bx * bw)) * spp + sOff;
        const dstRow = (y - win.y) * W + (cx0 - win.x);
        if (spp === 1) {
          dst.set(block.subarray(srcRow, srcRow + n), dstRow);
        } else {
          for (let k = 0, si = srcRow; k < n; k++, si += spp) dst[dstRow + k] = block[si];
        }
      }
    }
  });
  return out;
}
