import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { float16ToFloat32, float32ToFloat16, halfToNumber, numberToHalf } from '../../../src/engine/nn/fp16';

const python = '/usr/bin/python3';
const hasNumpy = existsSync(python) && (() => {
  try {
    execFileSync(python, ['-c', 'import numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('fp16', () => {
  it('decodes the IEEE half landmarks', () => {
    expect(halfToNumber(0x3c00)).toBe(1);
    expect(halfToNumber(0xc000)).toBe(-2);
    expect(halfToNumber(0x7bff)).toBe(65504);
    expect(halfToNumber(0x0001)).toBe(2 ** -24);
    expect(halfToNumber(0x0400)).toBe(2 ** -14);
    expect(halfToNumber(0x3555)).toBe(0.333251953125);
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

  it('decodes arrays of any length and alignment into the given output, value by value like halfToNumber', () => {
    // The decoder reads two halves per 32-bit word when the input is 4-byte aligned, one at a time otherwise
    // and for an odd tail: every path must give the landmark values exactly.
    const halves = [0x3c00, 0xc000, 0x7bff, 0x0001, 0x0400, 0x3555, 0x7c00, 0xfc00, 0x8000, 0x0000, 0x03ff, 0xfbff, 0x1234];
    const backing = new Uint16Array(halves.length + 3);
    for (const start of [0, 1, 2]) {
      for (const length of [0, 1, 2, 5, halves.length]) {
        const src = backing.subarray(start, start + length);
        src.set(halves.slice(0, length));
        const out = new Float32Array(length + 4).fill(7);
        const view = out.subarray(1, 1 + length);
        expect(float16ToFloat32(src, view)).toBe(view);
        for (let i = 0; i < length; i++) expect(Object.is(view[i], halfToNumber(halves[i]))).toBe(true);
        expect([out[0], out[length + 1]]).toEqual([7, 7]); // nothing written outside the view
      }
    }
    expect(Number.isNaN(float16ToFloat32(new Uint16Array([0x7e01, 0xfe00]))[1])).toBe(true);
    expect(() => float16ToFloat32(new Uint16Array(4), new Float32Array(3))).toThrow(RangeError);
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
    expect(numberToHalf(1.5 * 2 ** -25)).toBe(1);
    expect(numberToHalf(-0)).toBe(0x8000);
    expect(numberToHalf(NaN) & 0x7c00).toBe(0x7c00);
    expect(numberToHalf(NaN) & 0x3ff).not.toBe(0);
  });

  it.skipIf(!hasNumpy)('matches numpy astype(float16) on 200k random and edge-case floats, and back', () => {
    const n = 200_000;
    const values = new Float32Array(n);
    let s = 12345;
    const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
    for (let i = 0; i < n; i++) {
      const e = Math.floor(rnd() * 60) - 30; // spans subnormals, normals and overflow
      values[i] = (rnd() < 0.5 ? -1 : 1) * rnd() * 2 ** e;
    }
    // Exact halfway points in every binade, where rounding mistakes show.
    for (let i = 0; i < 2000; i++) values[i] = (1 + (2 * (i % 1024) + 1) * 2 ** -11) * 2 ** ((i % 40) - 24);
    const out = execFileSync(python, ['-W', 'ignore', '-c', 'import sys,numpy as np; a=np.frombuffer(sys.stdin.buffer.read(),dtype="<f4"); sys.stdout.buffer.write(a.astype(np.float16).view("<u2").tobytes())'], { input: Buffer.from(values.buffer), maxBuffer: 1 << 24 });
    const ref = new Uint16Array(out.buffer, out.byteOffset, n);
    const ours = float32ToFloat16(values);
    let mismatches = 0;
    for (let i = 0; i < n; i++) if (ours[i] !== ref[i]) mismatches++;
    expect(mismatches).toBe(0);
    const back = float16ToFloat32(ours);
    const refBack = execFileSync(python, ['-c', 'import sys,numpy as np; a=np.frombuffer(sys.stdin.buffer.read(),dtype="<u2"); sys.stdout.buffer.write(a.view(np.float16).astype(np.float32).tobytes())'], { input: Buffer.from(ours.buffer), maxBuffer: 1 << 24 });
    expect(Buffer.from(back.buffer).equals(refBack)).toBe(true);
  });
});
