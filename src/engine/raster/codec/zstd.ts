// ZSTD blocks through zstddec's one-shot decoder with the output bounded by the block's expected size.
// (geotiff.js's ZSTD path uses zstddec's streaming decoder, which loops forever on a corrupt frame.)
import { ZSTDDecoder } from 'zstddec';

const decoder = new ZSTDDecoder();
let ready: Promise<void> | null = null;

export async function zstdDecode(input: Uint8Array, expected: number): Promise<Uint8Array> {
  ready ??= decoder.init();
  await ready;
  // On a corrupt frame ZSTD_decompress returns an error code, which comes out as a short (or empty) result.
  return decoder.decode(input, expected);
}
