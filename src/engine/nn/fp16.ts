// IEEE 754 half precision <-> float32, bit-exact with numpy/PyTorch (round to nearest, ties to even; NaN kept).
// The one fp16 codec of the engine: checkpoints and graph initializers (nn, backbone, runtime) and the feature
// cache (store), which keeps features in half precision because the reference backbone computes them in fp16
// under autocast, so the cache loses nothing the reference kept and holds twice as many tiles.
// Written by hand because it runs over whole checkpoints (hundreds of millions of values): table-driven,
// no per-value allocation. test/engine/nn/fp16.test.ts checks all 65536 halves, every rounding boundary and numpy.

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 bits -> half bits, round to nearest even, overflow to infinity, NaN stays NaN (quiet). */
function toHalfBits(x: number): number {
  f32[0] = x;
  const b = u32[0];
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  let mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 | (mant >>> 13) : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign; // below half the smallest subnormal: rounds to zero
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = mant & ((1 << shift) - 1);
    let h = mant >>> shift;
    if (rest > half || (rest === half && (h & 1))) h += 1;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (h & 1))) h += 1; // may carry into the exponent: still correct
  return sign | h;
}

let halfTable: Float32Array | undefined;
function table(): Float32Array {
  if (halfTable) return halfTable;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const s = h & 0x8000 ? -1 : 1;
    const e = (h >>> 10) & 0x1f;
    const m = h & 0x3ff;
    if (e === 0) t[h] = s * m * 2 ** -24;
    else if (e === 0x1f) t[h] = m ? NaN : s * Infinity;
    else t[h] = s * (1 + m / 1024) * 2 ** (e - 15);
  }
  return (halfTable = t);
}

export function float32ToFloat16(src: ArrayLike<number>, out = new Uint16Array(src.length)): Uint16Array {
  for (let i = 0; i < src.length; i++) out[i] = toHalfBits(src[i]);
  return out;
}

// The table's float bits, copied as integers: no float load/store (and no NaN canonicalisation) per value.
let bitsTable: Int32Array | undefined;
// Two halves per 32-bit read: the low half is the first one on a little-endian machine (every platform
// Electron ships for); elsewhere the one-at-a-time loop does all the work.
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Decodes pairs of halves (one 32-bit word each); returns how many halves it wrote. */
function decodePairs(pairs: Int32Array, o: Int32Array, t: Int32Array): number {
  const m = pairs.length;
  for (let k = 0, j = 0; k < m; k++, j += 2) {
    const x = pairs[k];
    o[j] = t[x & 0xffff];
    o[j + 1] = t[x >>> 16];
  }
  return 2 * m;
}

export function float16ToFloat32(src: Uint16Array, out: Float32Array = new Float32Array(src.length)): Float32Array {
  const t = bitsTable ?? (bitsTable = new Int32Array(table().buffer));
  const n = src.length;
  if (out.length < n) throw new RangeError(`float16ToFloat32: ${n} values into ${out.length}`);
  const o = new Int32Array(out.buffer, out.byteOffset, n);
  let i = 0;
  if (littleEndian && (src.byteOffset & 3) === 0) {
    i = decodePairs(new Int32Array(src.buffer, src.byteOffset, n >>> 1), o, t);
  }
  for (; i < n; i++) o[i] = t[src[i]];
  return out;
}

export function halfToNumber(bits: number): number {
  return table()[bits & 0xffff];
}

export function numberToHalf(x: number): number {
  return toHalfBits(x);
}
