// A bounded walk over a TIFF/BigTIFF file's header and IFD chain. It is written by hand (rather than using
// geotiff.js's parser) because the reader must survive any corrupt file: a cyclic IFD chain must not loop, a
// BigTIFF entry count of 2^60 must not allocate, a value must lie inside the file, and big-endian offset arrays
// must decode in the right byte order. Only the tags in `knownTags` are loaded.
import { CorruptRasterError, throwIfCancelled } from '../../../shared/errors';
import type { ByteSource } from '../byteSource';
import { fieldTypeSize, knownTags } from './tags';

export type TagValue = string | Float64Array | Uint8Array;

export interface Ifd {
  /** File offset of this IFD. */
  readonly offset: number;
  readonly values: ReadonlyMap<number, TagValue>;
}

export interface TiffStructure {
  readonly littleEndian: boolean;
  readonly bigTiff: boolean;
  readonly ifds: readonly Ifd[];
}

// Real files have a few dozen tags and at most a few dozen IFDs (overviews and masks); far larger counts are
// corruption, and refusing them keeps the walk bounded.
const MAX_IFDS = 1024;
const MAX_ENTRIES = 4096;
// Bytes read at open; COGs keep every IFD and tag value there, so most files need no further header reads.
const HEAD_BYTES = 64 * 1024;

class HeadedReader {
  constructor(readonly source: ByteSource, readonly head: Uint8Array) {}

  async bytes(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
    if (offset + length <= this.head.byteLength) return this.head.subarray(offset, offset + length);
    return this.source.read(offset, length, signal);
  }
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function readUint64(dv: DataView, at: number, le: boolean, name: string): number {
  const lo = dv.getUint32(at + (le ? 0 : 4), le);
  const hi = dv.getUint32(at + (le ? 4 : 0), le);
  const v = hi * 2 ** 32 + lo;
  if (!Number.isSafeInteger(v)) throw new CorruptRasterError(name, `a 64-bit value (${hi}·2³²+${lo}) is out of range`);
  return v;
}

function readInt64(dv: DataView, at: number, le: boolean): number {
  const lo = dv.getUint32(at + (le ? 0 : 4), le);
  const hi = dv.getInt32(at + (le ? 4 : 0), le);
  return hi * 2 ** 32 + lo;
}

function decodeValues(type: number, count: number, bytes: Uint8Array, le: boolean, name: string): TagValue {
  if (type === 2) {
    // ASCII: NUL-terminated; GDAL writes UTF-8 in practice.
    const end = bytes.indexOf(0);
    return new TextDecoder('utf-8').decode(end >= 0 ? bytes.subarray(0, end) : bytes);
  }
  if (type === 1 || type === 7) return bytes.slice(0, count);
  const dv = view(bytes);
  const out = new Float64Array(count);
  const size = fieldTypeSize(type);
  for (let i = 0, at = 0; i < count; i++, at += size) {
    switch (type) {
      case 3: out[i] = dv.getUint16(at, le); break;
      case 4: case 13: out[i] = dv.getUint32(at, le); break;
      case 6: out[i] = dv.getInt8(at); break;
      case 8: out[i] = dv.getInt16(at, le); break;
      case 9: out[i] = dv.getInt32(at, le); break;
      case 11: out[i] = dv.getFloat32(at, le); break;
      case 12: out[i] = dv.getFloat64(at, le); break;
      case 5: { const d = dv.getUint32(at + 4, le); out[i] = d === 0 ? NaN : dv.getUint32(at, le) / d; break; }
      case 10: { const d = dv.getInt32(at + 4, le); out[i] = d === 0 ? NaN : dv.getInt32(at, le) / d; break; }
      case 16: case 18: out[i] = readUint64(dv, at, le, name); break;
      case 17: out[i] = readInt64(dv, at, le); break;
    }
  }
  return out;
}

export async function readTiffStructure(source: ByteSource, signal?: AbortSignal): Promise<TiffStructure> {
  const name = source.name;
  const head = await source.readUpTo(0, HEAD_BYTES, signal);
  if (head.byteLength < 8) throw new CorruptRasterError(name, `the file is only ${head.byteLength} bytes long`);
  const order = String.fromCharCode(head[0], head[1]);
  if (order !== 'II' && order !== 'MM') throw new CorruptRasterError(name, 'it does not start with a TIFF byte-order mark');
  const le = order === 'II';
  const hv = view(head);
  const magic = hv.getUint16(2, le);
  let bigTiff: boolean;
  let first: number;
  if (magic === 42) {
    bigTiff = false;
    first = hv.getUint32(4, le);
  } else if (magic === 43) {
    bigTiff = true;
    if (head.byteLength < 16) throw new CorruptRasterError(name, 'the BigTIFF header is truncated');
    if (hv.getUint16(4, le) !== 8 || hv.getUint16(6, le) !== 0) throw new CorruptRasterError(name, 'the BigTIFF header has an invalid offset size');
    first = readUint64(hv, 8, le, name);
  } else {
    throw new CorruptRasterError(name, `the TIFF version number is ${magic}, not 42 (TIFF) or 43 (BigTIFF)`);
  }
  const reader = new HeadedReader(source, head);
  const entrySize = bigTiff ? 20 : 12;
  const countSize = bigTiff ? 8 : 2;
  const inlineSize = bigTiff ? 8 : 4;
  const ifds: Ifd[] = [];
  const seen = new Set<number>();
  let offset = first;
  while (offset !== 0) {
    throwIfCancelled(signal, 'Opening the raster');
    if (seen.has(offset)) throw new CorruptRasterError(name, `the IFD chain loops back to offset ${offset}`);
    if (ifds.length >= MAX_IFDS) throw new CorruptRasterError(name, `it has more than ${MAX_IFDS} images (IFDs)`);
    seen.add(offset);
    const countBytes = await reader.bytes(offset, countSize, signal);
    const n = bigTiff ? readUint64(view(countBytes), 0, le, name) : view(countBytes).getUint16(0, le);
    if (n === 0 || n > MAX_ENTRIES) throw new CorruptRasterError(name, `the IFD at offset ${offset} claims ${n} entries`);
    const table = await reader.bytes(offset + countSize, n * entrySize + inlineSize, signal);
    const tv = view(table);
    const values = new Map<number, TagValue>();
    for (let i = 0; i < n; i++) {
      const at = i * entrySize;
      const tag = tv.getUint16(at, le);
      if (!knownTags.has(tag) || values.has(tag)) continue;
      const type = tv.getUint16(at + 2, le);
      const size = fieldTypeSize(type);
      if (size === 0) continue; // unknown field type: libtiff skips such entries too
      const count = bigTiff ? readUint64(tv, at + 4, le, name) : tv.getUint32(at + 4, le);
      const byteLength = count * size;
      if (count === 0) continue;
      if (byteLength > source.size) {
        throw new CorruptRasterError(name, `tag ${tag} claims ${count} values, more than the file can hold`);
      }
      let bytes: Uint8Array;
      if (byteLength <= inlineSize) {
        bytes = table.subarray(at + 4 + (bigTiff ? 8 : 4), at + 4 + (bigTiff ? 8 : 4) + byteLength);
      } else {
        const valueOffset = bigTiff ? readUint64(tv, at + 12, le, name) : tv.getUint32(at + 8, le);
        bytes = await reader.bytes(valueOffset, byteLength, signal);
      }
      values.set(tag, decodeValues(type, count, bytes, le, name));
    }
    ifds.push({ offset, values });
    offset = bigTiff ? readUint64(tv, n * entrySize, le, name) : tv.getUint32(n * entrySize, le);
  }
  if (ifds.length === 0) throw new CorruptRasterError(name, 'it contains no image (the first IFD offset is 0)');
  return { littleEndian: le, bigTiff, ifds };
}
