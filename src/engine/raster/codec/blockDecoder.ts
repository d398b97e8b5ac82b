// Turns one stored block (tile or strip) into host-order samples: decompress, byte-swap, undo the predictor,
// expand 1-bit samples, convert JPEG YCbCr to RGB. DEFLATE goes through node:zlib (off the main thread, with an
// output cap), LZW and PackBits through this folder's bounded decoders, ZSTD through zstddec and LERC through
// the lerc package with bounded outputs, JPEG through geotiff.js.
import { inflate, inflateSync, constants as zc } from 'node:zlib';
import { getDecoder } from 'geotiff';
import { CorruptRasterError, SatError } from '../../../shared/errors';
import type { TiffImage } from '../tiff/image';
import { jpegFrameProblem } from './jpegGuard';
import { lzwDecode } from './lzw';
import { packbitsDecode } from './packbits';
import { zstdDecode } from './zstd';
import { lercDecode } from './lerc';
import { swapBytes, undoFloatingPointPredictor, undoHorizontalDifferencing } from './predictor';

export interface BlockDecoder {
  /** Decoded block of `rows` rows: blockWidth × rows × (planar 1 ? samplesPerPixel : 1) samples, host order. */
  decode(raw: Uint8Array, rows: number): Promise<Uint8Array>;
}

// Below this, a block is inflated on the JS thread: a thread-pool round trip costs more than the work (1-row
// strips of a striped GeoTIFF are a few KiB each).
const SYNC_INFLATE_BYTES = 64 * 1024;

function inflateBounded(raw: Uint8Array, maxOutputLength: number): Promise<Uint8Array> | Uint8Array {
  // Z_SYNC_FLUSH: like libtiff, accept a stream whose end marker is missing once the block is complete.
  // chunkSize = the block's size: zlib's default 16 KiB chunks cost a thread-pool hop and a copy each, and
  // node:zlib then concatenates them (a 1 MiB tile took 64 hops).
  const opts = { finishFlush: zc.Z_SYNC_FLUSH, maxOutputLength, chunkSize: Math.max(64, maxOutputLength) };
  if (maxOutputLength <= SYNC_INFLATE_BYTES) return inflateSync(raw, opts);
  return new Promise((resolve, reject) => {
    inflate(raw, opts, (err, out) => (err ? reject(err) : resolve(out)));
  });
}

function ycbcrToRgb(data: Uint8Array): void {
  for (let i = 0; i + 2 < data.length; i += 3) {
    const y = data[i];
    const cb = data[i + 1] - 128;
    const cr = data[i + 2] - 128;
    data[i] = Math.max(0, Math.min(255, Math.round(y + 1.402 * cr)));
    data[i + 1] = Math.max(0, Math.min(255, Math.round(y - 0.344136 * cb - 0.714136 * cr)));
    data[i + 2] = Math.max(0, Math.min(255, Math.round(y + 1.772 * cb)));
  }
}

function expandBits(packed: Uint8Array, rowSamples: number, rows: number): Uint8Array {
  const rowBytes = Math.ceil(rowSamples / 8);
  const out = new Uint8Array(rowSamples * rows);
  for (let r = 0; r < rows; r++) {
    for (let s = 0; s < rowSamples; s++) {
      out[r * rowSamples + s] = (packed[r * rowBytes + (s >> 3)] >> (7 - (s & 7))) & 1;
    }
  }
  return out;
}

export function createBlockDecoder(img: TiffImage, littleEndian: boolean, path: string): BlockDecoder {
  const samples = img.planar === 1 ? img.samplesPerPixel : 1;
  const rowSamples = img.blockWidth * samples;
  const storedRowBytes = img.bitsPerSample === 1 ? Math.ceil(rowSamples / 8) : rowSamples * img.bytesPerSample;
  let libDecoder: Promise<{ decodeBlock(b: ArrayBuffer): ArrayBuffer | Promise<ArrayBuffer> }> | null = null;
  const viaGeotiff = (): typeof libDecoder => {
    libDecoder ??= getDecoder(img.compression, {
      tileWidth: img.blockWidth,
      tileHeight: img.blockHeight,
      planarConfiguration: img.planar,
      bitsPerSample: Array(img.samplesPerPixel).fill(img.bitsPerSample),
      predictor: 1,
      samplesPerPixel: img.samplesPerPixel,
      JPEGTables: img.jpegTables ?? undefined,
    } as never) as never;
    return libDecoder;
  };

  return {
    async decode(raw, rows) {
      const expected = storedRowBytes * rows;
      let bytes: Uint8Array;
      try {
        switch (img.compression) {
          case 1: bytes = raw; break;
          case 8: case 32946: bytes = await inflateBounded(raw, expected); break;
          case 5: bytes = lzwDecode(raw, expected, path); break;
          case 32773: bytes = packbitsDecode(raw, expected); break;
          case 50000: bytes = await zstdDecode(raw, expected); break;
          case 34887: bytes = await lercDecode(raw, img.lercParameters, expected, img.planar === 1); break;
          default: {
            if (img.compression === 7) {
              const problem = jpegFrameProblem(img.jpegTables, raw, img.blockWidth, rows, samples);
              if (problem) throw new CorruptRasterError(path, `a JPEG block of image #${img.ifdIndex} is damaged: ${problem}`);
            }
            const dec = await viaGeotiff()!;
            const ab = raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength) as ArrayBuffer;
            bytes = new Uint8Array(await dec.decodeBlock(ab));
          }
        }
      } catch (e) {
        if (e instanceof SatError) throw e;
        throw new CorruptRasterError(path, `a ${img.compressionName} block of image #${img.ifdIndex} does not decompress (${(e as Error)?.message ?? e})`, e);
      }
      if (bytes.byteLength < expected) {
        throw new CorruptRasterError(path, `a ${img.compressionName} block of image #${img.ifdIndex} holds ${bytes.byteLength} bytes, ${expected} expected`);
      }
      // A private, aligned block: predictors work in place and typed views need aligned offsets. Decoders return
      // fresh buffers of about the block's size, used as they are; a stored (uncompressed) block is a view of the
      // file read, and a decoder output much larger than the block would pin memory the cache does not count:
      // those are copied.
      let out = bytes === raw || bytes.buffer.byteLength > expected + 4096 ? new Uint8Array(bytes.subarray(0, expected)) : bytes.subarray(0, expected);
      if (img.bitsPerSample === 1) return expandBits(out, rowSamples, rows);
      if (img.predictor === 3) {
        undoFloatingPointPredictor(out, rowSamples, rows, samples, img.bytesPerSample);
        // libtiff differences the bytes after swapping to file order, so big-endian files come out reversed.
        if (!littleEndian) swapBytes(out, img.bytesPerSample);
        return out;
      }
      if (!littleEndian && img.bytesPerSample > 1) swapBytes(out, img.bytesPerSample);
      if (img.predictor === 2) undoHorizontalDifferencing(out, rowSamples, rows, samples, img.bytesPerSample);
      if (img.photometric === 6 && img.compression === 7 && samples === 3) ycbcrToRgb(out);
      out = out.byteOffset % 8 === 0 ? out : new Uint8Array(out);
      return out;
    },
  };
}
