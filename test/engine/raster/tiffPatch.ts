// Byte-level edits of a classic little-endian TIFF's first IFD, to make corrupt or unusual files on purpose.
export interface Entry {
  tag: number;
  type: number;
  count: number;
  /** Offset in the file of the entry's 4-byte value/offset field. */
  valueField: number;
}

export function ifdOffset(b: Uint8Array): number {
  return new DataView(b.buffer, b.byteOffset).getUint32(4, true);
}

export function entries(b: Uint8Array, ifd = ifdOffset(b)): Entry[] {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const n = dv.getUint16(ifd, true);
  return Array.from({ length: n }, (_, i) => {
    const at = ifd + 2 + i * 12;
    return { tag: dv.getUint16(at, true), type: dv.getUint16(at + 2, true), count: dv.getUint32(at + 4, true), valueField: at + 8 };
  });
}

/** Sets the first value of `tag` (inline SHORT/LONG, or the first element of an out-of-line LONG array). */
export function setTagValue(b: Uint8Array, tag: number, value: number): Uint8Array {
  const out = new Uint8Array(b); // a copy (Buffer.slice would share memory)
  const dv = new DataView(out.buffer);
  const e = entries(out).find((x) => x.tag === tag);
  if (!e) throw new Error(`tag ${tag} not found`);
  const size = e.type === 3 ? 2 : 4;
  const inline = e.count * size <= 4;
  const at = inline ? e.valueField : dv.getUint32(e.valueField, true);
  if (e.type === 3) dv.setUint16(at, value, true);
  else dv.setUint32(at, value, true);
  return out;
}

/** Points the IFD's "next IFD" offset at `target`. */
export function setNextIfd(b: Uint8Array, target: number): Uint8Array {
  const out = new Uint8Array(b); // a copy (Buffer.slice would share memory)
  const dv = new DataView(out.buffer);
  const ifd = ifdOffset(out);
  const n = dv.getUint16(ifd, true);
  dv.setUint32(ifd + 2 + n * 12, target, true);
  return out;
}
