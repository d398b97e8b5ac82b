// One TIFF image file directory (IFD): entries sorted by tag, values that fit in the entry stored
// inline, the others out of line at offsets the caller decides (so a layout can put every IFD first
// and the long tile arrays after them, as GDAL's COG driver does). Little-endian only ("II").
import { FieldType, fieldTypeSize } from '../../raster/tiff/tags';

/** The field types the writer emits (writeEntryValues handles exactly these). */
export type WrittenFieldType = typeof FieldType.ASCII | typeof FieldType.SHORT | typeof FieldType.LONG | typeof FieldType.DOUBLE | typeof FieldType.LONG8;

export interface IfdEntry {
  readonly tag: number;
  readonly type: WrittenFieldType;
  /** Numbers for numeric types; for ASCII, the encoded bytes including the final NUL. */
  readonly values: ArrayLike<number>;
}

export function numericEntry(tag: number, type: WrittenFieldType, values: ArrayLike<number>): IfdEntry {
  if (type === FieldType.ASCII) throw new Error('numericEntry: use asciiEntry for ASCII');
  return { tag, type, values };
}

/** TIFF ASCII is NUL-terminated; GDAL writes and reads UTF-8 bytes in it (metadata, citations). */
export function asciiEntry(tag: number, text: string): IfdEntry {
  const bytes = Buffer.from(text + '\0', 'utf8');
  return { tag, type: FieldType.ASCII, values: bytes };
}

export const entryByteLength = (e: IfdEntry): number => e.values.length * fieldTypeSize(e.type);

export const inlineCapacity = (bigTiff: boolean): number => (bigTiff ? 8 : 4);

export const isInline = (e: IfdEntry, bigTiff: boolean): boolean => entryByteLength(e) <= inlineCapacity(bigTiff);

/** Bytes taken by the directory itself: entry count, entries, next-IFD pointer. */
export const ifdByteLength = (entryCount: number, bigTiff: boolean): number =>
  bigTiff ? 8 + 20 * entryCount + 8 : 2 + 12 * entryCount + 4;

/** Writes the values of `e` at `pos` of `buf`, little-endian. Returns the position after them. */
export function writeEntryValues(buf: Buffer, pos: number, e: IfdEntry): number {
  const v = e.values;
  switch (e.type) {
    case FieldType.ASCII:
      for (let i = 0; i < v.length; i++) buf[pos + i] = v[i];
      return pos + v.length;
    case FieldType.SHORT:
      for (let i = 0; i < v.length; i++) buf.writeUInt16LE(v[i], pos + 2 * i);
      return pos + 2 * v.length;
    case FieldType.LONG:
      for (let i = 0; i < v.length; i++) buf.writeUInt32LE(v[i], pos + 4 * i);
      return pos + 4 * v.length;
    case FieldType.LONG8:
      for (let i = 0; i < v.length; i++) buf.writeBigUInt64LE(BigInt(v[i]), pos + 8 * i);
      return pos + 8 * v.length;
    case FieldType.DOUBLE:
      for (let i = 0; i < v.length; i++) buf.writeDoubleLE(v[i], pos + 8 * i);
      return pos + 8 * v.length;
  }
}

/**
 * Encodes the directory. `outOfLine` gives the file offset of the values of every entry that is not
 * inline (the caller writes those values there with writeEntryValues).
 */
export function encodeIfd(entries: readonly IfdEntry[], bigTiff: boolean, outOfLine: ReadonlyMap<number, number>, nextIfdOffset: number): Buffer {
  const sorted = [...entries].sort((a, b) => a.tag - b.tag);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].tag === sorted[i - 1].tag) throw new Error(`encodeIfd: tag ${sorted[i].tag} appears twice`);
  }
  const buf = Buffer.alloc(ifdByteLength(sorted.length, bigTiff));
  if (bigTiff) buf.writeBigUInt64LE(BigInt(sorted.length), 0); else buf.writeUInt16LE(sorted.length, 0);
  let p = bigTiff ? 8 : 2;
  for (const e of sorted) {
    buf.writeUInt16LE(e.tag, p);
    buf.writeUInt16LE(e.type, p + 2);
    if (bigTiff) buf.writeBigUInt64LE(BigInt(e.values.length), p + 4); else buf.writeUInt32LE(e.values.length, p + 4);
    const valuePos = p + (bigTiff ? 12 : 8);
    if (isInline(e, bigTiff)) {
      writeEntryValues(buf, valuePos, e);
    } else {
      const at = outOfLine.get(e.tag);
      if (at === undefined) throw new Error(`encodeIfd: no offset given for the values of tag ${e.tag}`);
      if (bigTiff) buf.writeBigUInt64LE(BigInt(at), valuePos); else buf.writeUInt32LE(at, valuePos);
    }
    p += bigTiff ? 20 : 12;
  }
  if (bigTiff) buf.writeBigUInt64LE(BigInt(nextIfdOffset), p); else buf.writeUInt32LE(nextIfdOffset, p);
  return buf;
}
