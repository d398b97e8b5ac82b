// TIFF LZW (MSB-first codes, "early change" code-width switch), as libtiff decodes it. Written by hand because
// the decoder must stop at the block's expected size: corrupt code streams in the wild otherwise expand without
// bound or walk invalid dictionary chains.
import { UnsupportedRasterError } from '../../../shared/errors';

export class LzwError extends Error {}

export function lzwDecode(input: Uint8Array, expected: number, path = 'raster'): Uint8Array {
  if (input.length >= 2 && input[0] === 0 && (input[1] & 1) === 1) {
    throw new UnsupportedRasterError(path, 'old-style (pre-TIFF 6.0) LZW compression');
  }
  const out = new Uint8Array(expected);
  const prefix = new Int16Array(4096);
  const suffix = new Uint8Array(4096);
  const length = new Uint16Array(4096);
  const first = new Uint8Array(4096);
  for (let i = 0; i < 256; i++) {
    prefix[i] = -1;
    suffix[i] = i;
    length[i] = 1;
    first[i] = i;
  }
  const totalBits = input.length * 8;
  let bitPos = 0;
  let width = 9;
  let next = 258;
  let old = -1;
  let op = 0;

  // Writes the string of `code` at out[op…], keeping only what fits in the block.
  const emit = (code: number): void => {
    const n = length[code];
    let c = code;
    for (let k = n - 1; k >= 0; k--) {
      if (op + k < expected) out[op + k] = suffix[c];
      c = prefix[c];
    }
    op += n;
  };

  while (op < expected && bitPos + width <= totalBits) {
    let code = 0;
    for (let b = 0; b < width; b++, bitPos++) {
      code = (code << 1) | ((input[bitPos >> 3] >> (7 - (bitPos & 7))) & 1);
    }
    if (code === 256) {
      width = 9;
      next = 258;
      old = -1;
      continue;
    }
    if (code === 257) break;
    if (old === -1) {
      if (code > 255) throw new LzwError(`LZW code ${code} before any literal`);
      emit(code);
      old = code;
      continue;
    }
    let head: number;
    if (code < next) {
      emit(code);
      head = first[code];
    } else if (code === next && next < 4096) {
      // The KwKwK case: the code being defined right now is the previous string plus its own first byte.
      emit(old);
      if (op < expected) out[op] = first[old];
      op++;
      head = first[old];
    } else {
      throw new LzwError(`LZW code ${code} is not in the table (next free entry ${next})`);
    }
    if (next < 4096) {
      prefix[next] = old;
      suffix[next] = head;
      length[next] = length[old] + 1;
      first[next] = first[old];
      next++;
    }
    if (next >= (1 << width) - 1 && width < 12) width++;
    old = code;
  }
  return op >= expected ? out : out.subarray(0, op);
}
