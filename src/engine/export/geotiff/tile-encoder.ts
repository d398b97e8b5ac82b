// Turns one padded tile (one array per band) into the bytes stored in the file: pixel-interleaved or
// one plane per band, predictor applied, then zlib DEFLATE on libuv's thread pool so several tiles
// compress in parallel while the main thread prepares the next ones. Interleaving and horizontal
// differencing are done in one pass (they dominate the main thread's share of the work).
import { deflate } from 'node:zlib';
import { promisify } from 'node:util';
import { floatingPointDifference } from './predictor';
import type { SampleArray, SampleType } from './sample-type';
import { PredictorCode } from '../../raster/tiff/tags';

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

/**
 * Samples of `bands` interleaved into one plane (stride = bands.length), each optionally replaced by
 * its difference from the same band's left neighbour (TIFF predictor 2). Writing the difference into
 * an array of the sample's own type wraps it modulo 2^bits, exactly the predictor's arithmetic, for
 * signed and unsigned types alike.
 */
function interleave(bands: readonly SampleArray[], enc: TileEncoding, difference: boolean): Uint8Array {
  const T = enc.tileSize;
  const spp = bands.length;
  const out = new enc.type.ArrayType(T * T * spp);
  for (let b = 0; b < spp; b++) {
    const src = bands[b];
    for (let r = 0; r < T; r++) {
      const row = r * T;
      let o = row * spp + b;
      if (difference) {
        let prev = 0;
        for (let x = 0; x < T; x++, o += spp) {
          const v = src[row + x];
          out[o] = v - prev;
          prev = v;
        }
      } else {
        for (let x = 0; x < T; x++, o += spp) out[o] = src[row + x];
      }
    }
  }
  return new Uint8Array(out.buffer);
}

/** Encoded planes of one tile: one buffer for pixel interleave, one per band for band interleave. */
export async function encodeTile(bands: readonly SampleArray[], enc: TileEncoding): Promise<Uint8Array[]> {
  const planes = enc.interleave === 'band' ? bands.map((b) => [b]) : [bands];
  const T = enc.tileSize;
  const jobs = planes.map((plane) => {
    let bytes: Uint8Array;
    if (enc.predictor === PredictorCode.Horizontal) {
      bytes = interleave(plane, enc, true);
    } else if (plane.length === 1) {
      // One band and no horizontal predictor: the band's own bytes, copied only if they are changed.
      const a = plane[0];
      bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
      if (enc.predictor === PredictorCode.FloatingPoint) bytes = new Uint8Array(bytes);
    } else {
      bytes = interleave(plane, enc, false);
    }
    if (enc.predictor === PredictorCode.FloatingPoint) floatingPointDifference(bytes, T, T, plane.length, enc.type.bytes as 4 | 8);
    return enc.compression === 'deflate' ? deflateAsync(bytes, { level: enc.level }) : Promise.resolve(bytes);
  });
  return Promise.all(jobs);
}
