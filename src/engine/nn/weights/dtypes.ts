// Element types found in checkpoint files (safetensors and PyTorch), wider than what the graph builder emits:
// bfloat16 and int16 exist in checkpoints and are converted on read.
import { float16ToFloat32 } from '../fp16';

export type WeightDType = 'float32' | 'float16' | 'bfloat16' | 'float64' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

export const WEIGHT_BYTES: Readonly<Record<WeightDType, number>> = {
  float32: 4, float16: 2, bfloat16: 2, float64: 8, int64: 8, int32: 4, int16: 2, int8: 1, uint8: 1, bool: 1,
};

export interface WeightInfo {
  readonly name: string;
  readonly dtype: WeightDType;
  readonly shape: readonly number[];
}

export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** bfloat16 bits -> float32 (exact: bf16 is the top half of a float32). */
export function bfloat16ToFloat32(src: Uint16Array, out = new Float32Array(src.length)): Float32Array {
  const u = new Uint32Array(out.buffer, out.byteOffset, out.length);
  for (let i = 0; i < src.length; i++) u[i] = src[i] << 16;
  return out;
}

/** float32 -> bfloat16 bits, round to nearest even as torch's `.to(torch.bfloat16)`; NaN stays a quiet NaN. */
export function float32ToBfloat16(src: Float32Array, out = new Uint16Array(src.length)): Uint16Array {
  const u = new Uint32Array(src.buffer, src.byteOffset, src.length);
  for (let i = 0; i < src.length; i++) {
    const b = u[i];
    if ((b & 0x7fffffff) > 0x7f800000) {
      out[i] = (b >>> 16) | 0x40;
      continue;
    }
    out[i] = (b + 0x7fff + ((b >>> 16) & 1)) >>> 16;
  }
  return out;
}

/** Little-endian bytes of `dtype` -> float32 values (integers converted by value). */
export function bytesToFloat32(bytes: Uint8Array, dtype: WeightDType): Float32Array {
  const n = bytes.byteLength / WEIGHT_BYTES[dtype];
  // Copy to an aligned buffer: file reads and zip entries may start at any byte offset.
  const buf = bytes.byteOffset % 8 === 0 ? bytes : bytes.slice();
  const ab = buf.buffer;
  const off = buf.byteOffset;
  switch (dtype) {
    case 'float32': return new Float32Array(ab.slice(off, off + bytes.byteLength));
    case 'float16': return float16ToFloat32(new Uint16Array(ab, off, n));
    case 'bfloat16': return bfloat16ToFloat32(new Uint16Array(ab, off, n));
    case 'float64': return Float32Array.from(new Float64Array(ab, off, n));
    case 'int64': return Float32Array.from(new BigInt64Array(ab, off, n), (x) => Number(x));
    case 'int32': return Float32Array.from(new Int32Array(ab, off, n));
    case 'int16': return Float32Array.from(new Int16Array(ab, off, n));
    case 'int8': return Float32Array.from(new Int8Array(ab, off, n));
    case 'uint8': case 'bool': return Float32Array.from(new Uint8Array(ab, off, n));
  }
}
