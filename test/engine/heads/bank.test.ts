import { describe, expect, it } from 'vitest';
import { assembleBatch, assembleCropBatch, packFeatures, unpackFeatures } from '../../../src/engine/heads/features/bank';

// Two scales of a 256-px tile: s1 [2, 32, 32] (8 px per cell) and s2 [1, 4, 4] (64 px per cell); every value
// encodes (sample, channel, row, column) and is exact in float16 (integers below 2048).
function tile(sample: number) {
  const s1 = new Float32Array(2 * 32 * 32).map((_, i) => sample * 1000 + (i % 1024 < 1024 ? Math.floor(i / 1024) * 500 : 0) + (Math.floor((i % 1024) / 32) % 8) * 10 + ((i % 32) % 8));
  const s2 = new Float32Array(16).map((_, i) => sample * 100 + Math.floor(i / 4) * 4 + (i % 4));
  return packFeatures([{ name: 't0_s1', shape: [2, 32, 32], data: s1 }, { name: 't0_s2', shape: [1, 4, 4], data: s2 }]);
}

describe('feature bank', () => {
  it('round-trips through float16 and stacks samples', () => {
    const a = tile(0);
    expect(Array.from(unpackFeatures(a)[1]!.data)).toEqual(Array.from({ length: 16 }, (_, i) => Math.floor(i / 4) * 4 + (i % 4)));
    const b = assembleBatch([a, tile(1)], ['t0_s2']).get('t0_s2')!;
    expect(b.shape).toEqual([2, 1, 4, 4]);
    expect(b.data[16]).toBe(100);
  });

  it('cuts the same window from every scale at its own resolution', () => {
    // crop 128 px at (x 64, y 128): s1 cells 8..23 × 16..31, s2 cells 1..2 × 2..3
    const out = assembleCropBatch([tile(0), tile(1)], ['t0_s1', 't0_s2'], [[0, 0], [64, 128]], 128, 256);
    const s2 = out.get('t0_s2')!;
    expect(s2.shape).toEqual([2, 1, 2, 2]);
    expect(Array.from(s2.data.subarray(4))).toEqual([100 + 2 * 4 + 1, 100 + 2 * 4 + 2, 100 + 3 * 4 + 1, 100 + 3 * 4 + 2]);
    const s1 = out.get('t0_s1')!;
    expect(s1.shape).toEqual([2, 2, 16, 16]);
    const full = unpackFeatures(tile(1))[0]!.data;
    // sample 1, channel 1, crop row 3, col 5 = tile cell (16 + 3, 8 + 5)
    expect(s1.data[((1 * 2 + 1) * 16 + 3) * 16 + 5]).toBe(full[(1 * 32 + 19) * 32 + 13]);
  });

  it('refuses a crop that does not fall on whole cells', () => {
    expect(() => assembleCropBatch([tile(0)], ['t0_s2'], [[0, 0]], 96, 256)).toThrow(/whole cells/);
  });
});
