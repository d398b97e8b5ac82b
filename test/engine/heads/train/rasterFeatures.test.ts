import { describe, expect, it } from 'vitest';
import { heldOutUnits } from '../../../../src/engine/heads/train/rasterFeatures';
import { createRng } from '../../../../src/engine/heads/random';

describe('heldOutUnits (raster-level holdout shared by segmentation and classification data)', () => {
  it('holds out round(fraction · n) units, at least one, a subset of the units', () => {
    const units = Array.from({ length: 45 }, (_, i) => i);
    expect(heldOutUnits(units, 0.2, createRng(0)).size).toBe(9);
    expect(heldOutUnits([0, 1], 0.2, createRng(0)).size).toBe(1);
    expect(heldOutUnits(units.slice(0, 7), 0.5, createRng(3)).size).toBe(4); // round(3.5) = 4
    for (const u of heldOutUnits(units, 0.3, createRng(5))) expect(units).toContain(u);
  });

  it('keeps the split the evaluation table was trained with (45 Dubai images, seed 0), and a seed changes it', () => {
    // Indices of the images held out by the code before it was shared (recorded in the seed-0 head cards:
    // tile_1/003, tile_2/001, 003, 005, 006, tile_3/003, 008, tile_4/002, 004, tiles holding 9 images each).
    const held = [...heldOutUnits(Array.from({ length: 45 }, (_, i) => i), 0.2, createRng(0))].sort((a, b) => a - b);
    expect(held).toEqual([2, 9, 11, 13, 14, 20, 25, 28, 30]);
    const other = [...heldOutUnits(Array.from({ length: 45 }, (_, i) => i), 0.2, createRng(1))].sort((a, b) => a - b);
    expect(other).not.toEqual(held);
  });

  it('does not reorder the caller\'s array', () => {
    const units = ['a', 'b', 'c', 'd', 'e'];
    heldOutUnits(units, 0.4, createRng(2));
    expect(units).toEqual(['a', 'b', 'c', 'd', 'e']);
  });
});
