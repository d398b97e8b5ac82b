import { describe, expect, it } from 'vitest';
import { float16ToFloat32, float32ToFloat16, halfToNumber, numberToHalf } from '../../../src/engine/nn/fp16';

describe('fp16', () => {
  it('decodes the IEEE half landmarks', () => {
    expect(halfToNumber(0x3c00)).toBe(1);
    expect(halfToNumber(0xc000)).toBe(-2);
    expect(halfToNumber(0x7bff)).toBe(65504);
    expect(halfToNumber(0x0001)).toBe(2 ** -24);
    expect(halfToNumber(0x0400)).toBe(2 ** -14);
    expect(halfToNumber(0x7c00)).toBe(Infinity);
    expect(halfToNumber(0xfc00)).toBe(-Infinity);
    expect(Number.isNaN(halfToNumber(0x7e00))).toBe(true);
    expect(Object.is(halfToNumber(0x8000), -0)).toBe(true);
  });

  it('round-trips every one of the 65536 half values (NaNs stay NaN)', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const back = float32ToFloat16(float16ToFloat32(all));
    for (let h = 0; h < 65536; h++) {
      const isNaN = (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;
      if (isNaN) expect((back[h] & 0x7c00) === 0x7c00 && (back[h] & 0x3ff) !== 0).toBe(true);
      else expect(back[h]).toBe(h);
    }
  });

  it('rounds halfway cases to even and just-off-halfway values to the nearest half', () => {
    // Between consecutive positive finite halves h and h+1 (normal and subnormal), the midpoint rounds to the
    // even one; a float32 ulp either side rounds to the nearer neighbour.
    const f = new Float32Array(1);
    const u = new Uint32Array(f.buffer);
    for (let h = 0; h < 0x7bff; h += 7) {
      const lo = halfToNumber(h);
      const hi = halfToNumber(h + 1);
      f[0] = (lo + hi) / 2; // exact in float32 (halves have 11 significant bits)
      expect(numberToHalf(f[0])).toBe(h % 2 === 0 ? h : h + 1);
      const mid = u[0];
      u[0] = mid + 1;
      expect(numberToHalf(f[0])).toBe(h + 1);
      u[0] = mid - 1;
      expect(numberToHalf(f[0])).toBe(h);
    }
  });

  it('overflows to infinity past the largest half and underflows to signed zero', () => {
    expect(numberToHalf(65519)).toBe(0x7bff); // below the rounding boundary 65520
    expect(numberToHalf(65520)).toBe(0x7c00);
    expect(numberToHalf(1e10)).toBe(0x7c00);
    expect(numberToHalf(-1e10)).toBe(0xfc00);
    expect(numberToHalf(2 ** -26)).toBe(0); // a quarter of the smallest subnormal
    expect(numberToHalf(-(2 ** -26))).toBe(0x8000);
    expect(numberToHalf(2 ** -25 * 1.0001)).toBe(1); // just above half the smallest subnormal
    expect(numberToHalf(2 ** -25)).toBe(0); // exactly half: ties to even (0)
  });
});
