// LERC blocks (Esri's limited-error raster compression), optionally wrapped in DEFLATE or ZSTD as GDAL's
// LERC_DEFLATE / LERC_ZSTD write them. The wrapper is undone here with bounded output (geotiff.js inflates and
// un-ZSTDs without a limit); the LERC blob itself is decoded by the `lerc` package.
import { inflate, constants as zc } from 'node:zlib';
// @ts-expect-error the lerc package ships no type declarations
import Lerc from 'lerc';
import { zstdDecode } from './zstd';

interface LercResult {
  pixels: ArrayLike<number>[] & { [i: number]: { buffer: ArrayBufferLike; byteOffset: number; byteLength: number } };
}

function inflateBounded(raw: Uint8Array, maxOutputLength: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    inflate(raw, { finishFlush: zc.Z_SYNC_FLUSH, maxOutputLength }, (err, out) => (err ? reject(err) : resolve(out)));
  });
}

/**
 * @param params the LercParameters tag: [version, additional compression (0 none, 1 DEFLATE, 2 ZSTD)]
 * @param expected bytes of the decoded block (bounds the wrapper's output: a LERC blob is never much larger)
 */
export async function lercDecode(raw: Uint8Array, params: ArrayLike<number> | null, expected: number, pixelInterleaved: boolean): Promise<Uint8Array> {
  const wrapper = params && params.length > 1 ? params[1] : 0;
  const bound = expected * 2 + 65536;
  let blob: Uint8Array;
  if (wrapper === 0) blob = raw;
  else if (wrapper === 1) blob = await inflateBounded(raw, bound);
  else if (wrapper === 2) blob = await zstdDecode(raw, bound);
  else throw new Error(`unknown LERC additional compression ${wrapper}`);
  const ab = blob.buffer.slice(blob.byteOffset, blob.byteOffset + blob.byteLength);
  const result = Lerc.decode(ab, { returnPixelInterleavedDims: pixelInterleaved }) as LercResult;
  const pixels = result.pixels[0];
  if (!pixels) throw new Error('the LERC blob holds no band');
  return new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength);
}
