// Turns one padded tile (one array per band) into the bytes stored in the file: pixel-interleaved or
// one plane per band, predictor applied, then zlib DEFLATE on libuv's thread pool so several tiles
// compress in parallel while the main thread prepares the next ones.
import { deflate } from 'node:zlib';
import { promisify } from 'node:util';
import { floatingPointDifference, horizontalDifference } from './predictor';
import type { SampleArray, SampleType } from './sample-type';
import { PredictorCode } from './tiff-tags';

const deflateAsync = promisify(deflate);

export interface TileEncoding {
  readonly type: SampleType;
  readonly tileSize: number;
  readonly bands: number;
  readonly interleave: 'pixel' | 'band';
  readonly compression: 'deflate' | 'none';
  readonly level: number;
  readonly predictor: 1 | 2 | 3;
}

/** Samples in file layout for one plane: all bands interleaved, or the single band `band`. */
function planeBytes(bands: readonly SampleArray[], enc: TileEncoding, band: number | null, mustCopy: boolean): Uint8Array {
  const n = enc.tileSize * enc.tileSize;
  if (band !== null || enc.bands === 1) {
    const a = bands[band ?? 0];
    const view = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    return mustCopy ? new Uint8Array(view) : view;
  }
  const spp = enc.bands;
  const out = new enc.type.ArrayType(n * spp);
  for (let b = 0; b < spp; b++) {
    const src = bands[b];
    for (let i = 0, o = b; i < n; i++, o += spp) out[o] = src[i];
  }
  return new Uint8Array(out.buffer);
}

/** Encoded planes of one tile: one buffer for pixel interleave, one per band for band interleave. */
export async function encodeTile(bands: readonly SampleArray[], enc: TileEncoding): Promise<Uint8Array[]> {
  const planes = enc.interleave === 'band' ? bands.map((_, b) => b) : [null];
  const spp = enc.interleave === 'band' ? 1 : enc.bands;
  const T = enc.tileSize;
  const bps = enc.type.bytes;
  const jobs = planes.map((band) => {
    const bytes = planeBytes(bands, enc, band, enc.predictor !== PredictorCode.None);
    if (enc.predictor === PredictorCode.Horizontal) horizontalDifference(bytes, T, T, spp, bps as 1 | 2 | 4);
    else if (enc.predictor === PredictorCode.FloatingPoint) floatingPointDifference(bytes, T, T, spp, bps as 4 | 8);
    return enc.compression === 'deflate' ? deflateAsync(bytes, { level: enc.level }) : Promise.resolve(bytes);
  });
  return Promise.all(jobs);
}
