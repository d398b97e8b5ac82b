import { describe, expect, it } from 'vitest';
import { reduceTile, type ReduceParams } from '../../../../src/engine/export/geotiff/downsample';
import type { SampleArray } from '../../../../src/engine/export/geotiff/sample-type';

// A 4×4 tile (tileSize 4) whose valid part may be smaller; the output quadrant is 2×2 at (0, 0).
const params = (over: Partial<ReduceParams> = {}): ReduceParams => ({ tileSize: 4, validWidth: 4, validHeight: 4, dstX: 0, dstY: 0, nodata: null, isFloat: false, ...over });
const quadrant = (dst: SampleArray) => [dst[0], dst[1], dst[4], dst[5]];

describe('2× reduction kernels', () => {
  const src = new Uint8Array([
    0, 1, 2, 3,
    4, 5, 6, 7,
    8, 9, 10, 11,
    12, 13, 14, 15,
  ]);

  it('nearest keeps the top-left pixel of each 2×2 block (GDAL, factor 2)', () => {
    const dst = new Uint8Array(16);
    reduceTile('nearest', src, dst, params());
    expect(quadrant(dst)).toEqual([0, 2, 8, 10]);
  });

  it('average rounds halves away from zero for integers: (0+1+4+5)/4 = 2.5 → 3', () => {
    const dst = new Uint8Array(16);
    reduceTile('average', src, dst, params());
    expect(quadrant(dst)).toEqual([3, 5, 11, 13]);
  });

  it('average skips nodata and gives nodata when a block has no valid pixel', () => {
    const s = new Uint8Array([
      9, 9, 9, 2,
      9, 4, 9, 9,
      1, 2, 3, 4,
      5, 6, 7, 8,
    ]);
    const dst = new Uint8Array(16);
    reduceTile('average', s, dst, params({ nodata: 9 }));
    expect(quadrant(dst)).toEqual([4, 2, 4, 6]);
    const all = new Uint8Array(16).fill(9);
    reduceTile('average', all, dst, params({ nodata: 9 }));
    expect(quadrant(dst)).toEqual([9, 9, 9, 9]);
  });

  it('average of floats skips NaN (nodata NaN or not) and does not round', () => {
    const s = new Float32Array([
      1, NaN, 2, 3,
      NaN, NaN, 4, 6,
      NaN, NaN, 0.5, 0.25,
      NaN, NaN, 0, 0,
    ]);
    const dst = new Float32Array(16);
    reduceTile('average', s, dst, params({ isFloat: true }));
    expect(quadrant(dst)[0]).toBe(1);
    expect(quadrant(dst)[1]).toBe(3.75);
    expect(Number.isNaN(quadrant(dst)[2])).toBe(true);
    expect(quadrant(dst)[3]).toBe(0.1875);
  });

  it('average handles negative int16 and odd edges (partial blocks average what exists)', () => {
    const s = new Int16Array([
      -3, -4, 10, 0,
      -4, -4, 20, 0,
      7, 8, 1, 0,
      0, 0, 0, 0,
    ]);
    const dst = new Int16Array(16);
    // Valid part 3×3: the right column and bottom row of blocks are partial.
    reduceTile('average', s, dst, params({ validWidth: 3, validHeight: 3 }));
    // -15/4 = -3.75 → -4, (10+20)/2 = 15, (7+8)/2 = 7.5 → 8, 1.
    expect(quadrant(dst)).toEqual([-4, 15, 8, 1]);
    // Halves round away from zero, as GDAL does: (-66 - 67)/2 = -66.5 → -67.
    const half = new Int16Array(16);
    half.set([-66, -67], 0);
    reduceTile('average', half, dst, params({ validWidth: 2, validHeight: 1 }));
    expect(dst[0]).toBe(-67);
  });

  it('mode picks the most frequent valid value; on a tie, the value that reached the top count first (as GDAL)', () => {
    // Blocks measured with GDAL 3.6 (gdaladdo -r mode, factor 2): [1,2;2,1]→2, [9,8;8,9]→8, [7,7;6,6]→7.
    const s = new Uint8Array([
      1, 2, 9, 8,
      2, 1, 8, 9,
      7, 7, 0, 0,
      6, 6, 3, 0,
    ]);
    const dst = new Uint8Array(16);
    reduceTile('mode', s, dst, params());
    expect(quadrant(dst)).toEqual([2, 8, 7, 0]);
    reduceTile('mode', s, dst, params({ nodata: 0 }));
    expect(quadrant(dst)[3]).toBe(3);
  });

  it('writes into the requested quadrant of the parent and leaves the rest alone', () => {
    const dst = new Uint8Array(16).fill(77);
    reduceTile('nearest', src, dst, params({ dstX: 2, dstY: 2 }));
    expect([...dst]).toEqual([77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 0, 2, 77, 77, 8, 10]);
  });
});
