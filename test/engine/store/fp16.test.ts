import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeHalf, encodeHalf, floatToHalfBits, halfBitsToFloat32 } from '../../../src/engine/store/fp16';

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
  it('decodes hand-computed half values', () => {
    expect(halfBitsToFloat32(0x3c00)).toBe(1);
    expect(halfBitsToFloat32(0xc000)).toBe(-2);
    expect(halfBitsToFloat32(0x7bff)).toBe(65504);
    expect(halfBitsToFloat32(0x0001)).toBe(2 ** -24);
    expect(halfBitsToFloat32(0x0400)).toBe(2 ** -14);
    expect(halfBitsToFloat32(0x3555)).toBeCloseTo(0.333251953125, 12);
    expect(halfBitsToFloat32(0x7c00)).toBe(Infinity);
    expect(halfBitsToFloat32(0xfc00)).toBe(-Infinity);
    expect(Number.isNaN(halfBitsToFloat32(0x7e00))).toBe(true);
    expect(Object.is(halfBitsToFloat32(0x8000), -0)).toBe(true);
  });

  it('rounds to nearest even, overflows to infinity and flushes below half the smallest subnormal', () => {
    expect(floatToHalfBits(1 + 2 ** -11)).toBe(0x3c00); // exactly halfway between 1 and the next half: tie to even
    expect(floatToHalfBits(1 + 3 * 2 ** -11)).toBe(0x3c02); // halfway, odd below: rounds up
    expect(floatToHalfBits(65520)).toBe(0x7c00); // rounds past the largest finite half
    expect(floatToHalfBits(65519)).toBe(0x7bff);
    expect(floatToHalfBits(2 ** -25)).toBe(0); // halfway to the smallest subnormal: tie to even (0)
    expect(floatToHalfBits(1.5 * 2 ** -25)).toBe(1);
    expect(floatToHalfBits(-0)).toBe(0x8000);
    expect(floatToHalfBits(NaN) & 0x7c00).toBe(0x7c00);
    expect(floatToHalfBits(NaN) & 0x3ff).not.toBe(0);
  });

  it('every finite half survives half → float → half', () => {
    for (let h = 0; h < 65536; h++) {
      const exp = (h >> 10) & 0x1f;
      if (exp === 31 && (h & 0x3ff) !== 0) continue; // NaN payloads are canonicalised
      expect(floatToHalfBits(halfBitsToFloat32(h))).toBe(h);
    }
  });

  it.skipIf(!hasNumpy)('matches numpy astype(float16) on 200k random and edge-case floats', () => {
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
    const bytes = Buffer.from(values.buffer);
    const out = execFileSync(python, ['-W', 'ignore', '-c', 'import sys,numpy as np; a=np.frombuffer(sys.stdin.buffer.read(),dtype="<f4"); sys.stdout.buffer.write(a.astype(np.float16).view("<u2").tobytes())'], { input: bytes, maxBuffer: 1 << 24 });
    const ref = new Uint16Array(out.buffer, out.byteOffset, n);
    const ours = encodeHalf(values);
    let mismatches = 0;
    for (let i = 0; i < n; i++) if (ours[i] !== ref[i]) mismatches++;
    expect(mismatches).toBe(0);
    const back = decodeHalf(ours);
    const refBack = execFileSync(python, ['-c', 'import sys,numpy as np; a=np.frombuffer(sys.stdin.buffer.read(),dtype="<u2"); sys.stdout.buffer.write(a.view(np.float16).astype(np.float32).tobytes())'], { input: Buffer.from(ours.buffer), maxBuffer: 1 << 24 });
    expect(Buffer.from(back.buffer).equals(refBack)).toBe(true);
  });
});
