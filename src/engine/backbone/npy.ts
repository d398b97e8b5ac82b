// NumPy .npy (format 1.0/2.0/3.0), the exchange format of the feature/encode CLI with Python tooling:
// little-endian float32/float16/float64/int64/int32/uint8, C order. Fortran order and big-endian are rejected.
import { readFileSync, writeFileSync } from 'node:fs';
import { FileNotFoundError, SatError } from '../../shared/errors';
import { float16ToFloat32 } from '../nn/fp16';

export interface NpyArray {
  readonly shape: number[];
  /** Values converted to float32 (the engine computes in float32). */
  readonly data: Float32Array;
  /** The dtype the file stored. */
  readonly dtype: string;
}

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);

function bad(path: string, why: string): SatError {
  return new SatError('UNSUPPORTED_FORMAT', `"${path}" is not a NumPy array this tool reads: ${why}.`, {
    hint: 'Save a C-ordered little-endian float32 array with numpy.save (np.ascontiguousarray(x, dtype="<f4")).',
    details: { path, why },
  });
}

export function parseNpy(buf: Uint8Array, path = 'array'): NpyArray {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < 10 || !b.subarray(0, 6).equals(MAGIC)) throw bad(path, 'no .npy magic');
  const major = b[6];
  const hlen = major === 1 ? b.readUInt16LE(8) : b.readUInt32LE(8);
  const hstart = major === 1 ? 10 : 12;
  if (hstart + hlen > b.length) throw bad(path, 'truncated header');
  const header = b.toString(major === 3 ? 'utf8' : 'latin1', hstart, hstart + hlen);
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined) throw bad(path, 'unreadable header');
  if (fortran === 'True') throw bad(path, 'Fortran order');
  const shape = shapeText.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const n = shape.reduce((a, c) => a * c, 1);
  const start = hstart + hlen;
  const sizes: Record<string, number> = { '<f4': 4, '<f2': 2, '<f8': 8, '<i8': 8, '<i4': 4, '|u1': 1, '|b1': 1, '<u2': 2 };
  const size = sizes[descr];
  if (!size) throw bad(path, `dtype ${descr}`);
  if (b.length - start < n * size) throw bad(path, `${b.length - start} data bytes for ${n} values of ${descr}`);
  const raw = new Uint8Array(b.subarray(start, start + n * size)); // copy: aligned for the typed views below
  const ab = raw.buffer;
  let data: Float32Array;
  switch (descr) {
    case '<f4': data = new Float32Array(ab); break;
    case '<f2': data = float16ToFloat32(new Uint16Array(ab)); break;
    case '<f8': data = Float32Array.from(new Float64Array(ab)); break;
    case '<i8': data = Float32Array.from(new BigInt64Array(ab), Number); break;
    case '<i4': data = Float32Array.from(new Int32Array(ab)); break;
    case '<u2': data = Float32Array.from(new Uint16Array(ab)); break;
    default: data = Float32Array.from(raw);
  }
  return { shape, data, dtype: descr };
}

export function readNpy(path: string): NpyArray {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new FileNotFoundError(path, 'array file');
    throw e;
  }
  return parseNpy(buf, path);
}

/** A float32 .npy (format 1.0, header padded to 64 bytes as numpy does). */
export function encodeNpy(data: Float32Array, shape: readonly number[]): Buffer {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const h = Buffer.alloc(10);
  MAGIC.copy(h, 0);
  h[6] = 1;
  h[7] = 0;
  h.writeUInt16LE(header.length, 8);
  return Buffer.concat([h, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}

export function writeNpy(path: string, data: Float32Array, shape: readonly number[]): void {
  writeFileSync(path, encodeNpy(data, shape));
}
