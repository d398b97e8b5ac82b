// Deterministic mutations of raster files: flipped bytes (anywhere, or in the header and IFD area), truncation,
// corrupted TIFF tag entries (type, count, value set to edge values), and spliced garbage.
export type Mutation = 'flip' | 'flipHeader' | 'truncate' | 'tag' | 'splice';

export function rng(seed: number): () => number {
  let s = (seed ^ 0x9e3779b9) >>> 0;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s / 2 ** 32;
  };
}

const EDGE = [0, 1, 2, 3, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffff0, 0xffffffff];

/** IFD entry positions of a classic or BigTIFF file's first IFDs (best effort: the file may already be odd). */
function tagEntries(b: Uint8Array): { at: number; size: number }[] {
  if (b.length < 16) return [];
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const le = b[0] === 0x49;
  const big = dv.getUint16(2, le) === 43;
  const out: { at: number; size: number }[] = [];
  let off = big ? Number(dv.getBigUint64(8, le)) : dv.getUint32(4, le);
  for (let ifd = 0; ifd < 4 && off > 0 && off + 8 < b.length; ifd++) {
    const n = big ? Number(dv.getBigUint64(off, le)) : dv.getUint16(off, le);
    const size = big ? 20 : 12;
    const first = off + (big ? 8 : 2);
    if (n > 500 || first + n * size + 8 > b.length) break;
    for (let i = 0; i < n; i++) out.push({ at: first + i * size, size });
    off = big ? Number(dv.getBigUint64(first + n * size, le)) : dv.getUint32(first + n * size, le);
  }
  return out;
}

export function mutate(src: Uint8Array, kind: Mutation, r: () => number): Uint8Array {
  const b = new Uint8Array(src);
  const pick = (n: number): number => Math.floor(r() * n);
  switch (kind) {
    case 'flip': {
      for (let i = 1 + pick(16); i > 0; i--) b[pick(b.length)] ^= 1 << pick(8);
      return b;
    }
    case 'flipHeader': {
      const span = Math.min(b.length, 4096);
      for (let i = 1 + pick(8); i > 0; i--) b[pick(span)] = pick(256);
      return b;
    }
    case 'truncate':
      return b.subarray(0, pick(b.length));
    case 'tag': {
      const entries = tagEntries(b);
      if (entries.length === 0) return mutate(src, 'flipHeader', r);
      const dv = new DataView(b.buffer);
      for (let k = 1 + pick(3); k > 0; k--) {
        const e = entries[pick(entries.length)];
        const le = b[0] === 0x49;
        const field = pick(3); // 0: type, 1: count, 2: value/offset
        const v = EDGE[pick(EDGE.length)] ?? 0;
        if (field === 0) dv.setUint16(e.at + 2, v & 0xffff, le);
        else if (field === 1) dv.setUint32(e.at + 4, v >>> 0, le);
        else dv.setUint32(e.at + (e.size === 20 ? 12 : 8), v >>> 0, le);
      }
      return b;
    }
    case 'splice': {
      const at = pick(b.length);
      const n = 1 + pick(64);
      const junk = Uint8Array.from({ length: n }, () => pick(256));
      const out = new Uint8Array(b.length + n);
      out.set(b.subarray(0, at));
      out.set(junk, at);
      out.set(b.subarray(at), at + n);
      return out;
    }
  }
}
