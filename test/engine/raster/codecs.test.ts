// Hand-checkable cases for the bounded decoders and predictors, and the block cache's memory bound.
import { describe, expect, it } from 'vitest';
import { BlockCache } from '../../../src/engine/raster/blockCache';
import { lzwDecode } from '../../../src/engine/raster/codec/lzw';
import { packbitsDecode } from '../../../src/engine/raster/codec/packbits';
import { undoHorizontalDifferencing, undoFloatingPointPredictor } from '../../../src/engine/raster/codec/predictor';

/** Packs codes MSB-first with TIFF's code widths, for building LZW streams by hand. */
function packCodes(codes: [number, number][]): Uint8Array {
  const bits: number[] = [];
  for (const [code, width] of codes) for (let b = width - 1; b >= 0; b--) bits.push((code >> b) & 1);
  const out = new Uint8Array(Math.ceil(bits.length / 8));
  bits.forEach((bit, i) => { out[i >> 3] |= bit << (7 - (i & 7)); });
  return out;
}

describe('LZW', () => {
  it('decodes literals, a dictionary hit and the KwKwK case', () => {
    // Clear, 'a', 'b', 258 (= "ab"), 260 (KwKwK: "ab" + "a"), EOI.
    const stream = packCodes([[256, 9], [97, 9], [98, 9], [258, 9], [260, 9], [257, 9]]);
    expect(Array.from(lzwDecode(stream, 7))).toEqual([97, 98, 97, 98, 97, 98, 97]);
  });

  it('stops at the expected size instead of growing without bound', () => {
    const stream = packCodes([[256, 9], [120, 9], [258, 9], [259, 9], [260, 9], [261, 9], [262, 9]]);
    const out = lzwDecode(stream, 5);
    expect(out.length).toBe(5);
    expect(Array.from(out)).toEqual([120, 120, 120, 120, 120]);
  });

  it('rejects a code that is not in the table', () => {
    expect(() => lzwDecode(packCodes([[256, 9], [65, 9], [300, 9]]), 10)).toThrow(/not in the table/);
  });
});

describe('PackBits', () => {
  it('literal runs, repeat runs and the no-op byte (Apple TN1023 example)', () => {
    const input = Uint8Array.from([0xfe, 0xaa, 0x02, 0x80, 0x00, 0x2a, 0xfd, 0xaa, 0x03, 0x80, 0x00, 0x2a, 0x22, 0xf7, 0xaa]);
    const want = [0xaa, 0xaa, 0xaa, 0x80, 0x00, 0x2a, 0xaa, 0xaa, 0xaa, 0xaa, 0x80, 0x00, 0x2a, 0x22, ...Array(10).fill(0xaa)];
    expect(Array.from(packbitsDecode(input, want.length))).toEqual(want);
  });

  it('a corrupt run length cannot write past the block', () => {
    expect(packbitsDecode(Uint8Array.from([0x81, 7]), 10).length).toBe(10);
    expect(packbitsDecode(Uint8Array.from([0x7f, 1, 2]), 10).length).toBe(2);
  });
});

describe('predictors', () => {
  it('horizontal differencing, 16-bit, 2 samples per pixel', () => {
    // Row of 3 pixels × 2 samples: values (10,100) (13,90) (20,95) stored as differences per sample.
    const diffs = new Uint16Array([10, 100, 3, 65526 /* -10 */, 7, 5]);
    const bytes = new Uint8Array(diffs.buffer);
    undoHorizontalDifferencing(bytes, 6, 1, 2, 2);
    expect(Array.from(new Uint16Array(bytes.buffer))).toEqual([10, 100, 13, 90, 20, 95]);
  });

  it('floating-point predictor round-trips the TIFF TN3 encoding of float32 values', () => {
    const values = new Float32Array([1.5, -2.25, 1e-3, 123456.75]);
    const raw = new Uint8Array(values.buffer);
    const n = values.length;
    // Encode as TN3 does: split bytes into planes, most significant first, then byte-difference the row.
    const planes = new Uint8Array(n * 4);
    for (let i = 0; i < n; i++) for (let b = 0; b < 4; b++) planes[b * n + i] = raw[i * 4 + (3 - b)];
    for (let i = planes.length - 1; i >= 1; i--) planes[i] = (planes[i] - planes[i - 1]) & 0xff;
    undoFloatingPointPredictor(planes, n, 1, 1, 4);
    expect(Array.from(new Float32Array(planes.buffer))).toEqual(Array.from(values));
  });
});

describe('block cache', () => {
  it('keeps at most maxBytes of blocks, evicting the least recently used', async () => {
    const cache = new BlockCache(3000);
    let loads = 0;
    const load = (n: number) => async () => { loads++; return new Uint8Array(n); };
    await cache.get('a', load(1000));
    await cache.get('b', load(1000));
    await cache.get('c', load(1000));
    await cache.get('a', load(1000)); // hit, now most recent
    await cache.get('d', load(1000)); // evicts b
    expect(cache.size).toBeLessThanOrEqual(3000);
    expect(loads).toBe(4);
    await cache.get('a', load(1000));
    expect(loads).toBe(4);
    await cache.get('b', load(1000));
    expect(loads).toBe(5);
  });

  it('concurrent requests for one block share one load; a failed load is not cached', async () => {
    const cache = new BlockCache(1 << 20);
    let loads = 0;
    const slow = async () => { loads++; await new Promise((r) => setTimeout(r, 10)); return new Uint8Array(8); };
    const [x, y] = await Promise.all([cache.get('k', slow), cache.get('k', slow)]);
    expect(x).toBe(y);
    expect(loads).toBe(1);
    await expect(cache.get('bad', async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    expect(await cache.get('bad', async () => new Uint8Array(1))).toHaveLength(1);
  });
});
