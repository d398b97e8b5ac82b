// The SIMD half decoder against the table decoder of fp16.ts (itself checked against numpy in fp16.test.ts):
// every one of the 65536 halves, every length mod 4, runs that cross the 32 768-value staging chunks, and
// blobs at odd byte offsets (SQLite hands those out).
import { describe, expect, it } from 'vitest';
import { float16ToFloat32 } from '../../../src/engine/nn/fp16';
import { HalfDecoder } from '../../../src/engine/nn/halfDecoder';

const bitsOf = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
/** Same bits, except that any NaN equals any NaN (the table decoder stores JavaScript's canonical NaN). */
function expectSameFloats(got: Float32Array, want: Float32Array): void {
  expect(got.length).toBe(want.length);
  const g = bitsOf(got), w = bitsOf(want);
  let bad = 0;
  for (let i = 0; i < g.length; i++) {
    if (g[i] === w[i] || (Number.isNaN(got[i]) && Number.isNaN(want[i]))) continue;
    if (bad++ < 3) expect.fail(`value ${i}: 0x${g[i].toString(16)} vs 0x${w[i].toString(16)}`);
  }
}

function randomHalves(n: number, seed: number): Uint16Array {
  const h = new Uint16Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    h[i] = s >>> 16;
  }
  return h;
}

const bytesOf = (h: Uint16Array) => new Uint8Array(h.buffer, h.byteOffset, h.byteLength);

describe('HalfDecoder', () => {
  it('runs the SIMD code in this Node', () => {
    expect(new HalfDecoder().simd).toBe(true);
    expect(new HalfDecoder({ wasm: false }).simd).toBe(false);
  });

  for (const wasm of [true, false]) {
    describe(wasm ? 'SIMD' : 'table fallback', () => {
      it('decodes all 65536 halves exactly as the table decoder (zeros, subnormals, normals, ±Inf, NaN with payload)', () => {
        const all = Uint16Array.from({ length: 65536 }, (_, i) => i);
        const got = new HalfDecoder({ wasm }).decode(bytesOf(all), all.length);
        expectSameFloats(got, float16ToFloat32(all));
        // spot checks by hand: 1, -2, 65504, the smallest subnormal 2^-24, -0, +Inf
        expect(got[0x3c00]).toBe(1);
        expect(got[0xc000]).toBe(-2);
        expect(got[0x7bff]).toBe(65504);
        expect(got[0x0001]).toBe(2 ** -24);
        expect(Object.is(got[0x8000], -0)).toBe(true);
        expect(got[0x7c00]).toBe(Infinity);
        if (wasm) expect(bitsOf(got.subarray(0x7e01, 0x7e02))[0]).toBe(0x7fc02000); // NaN payload kept (numpy does too)
      });

      it('handles every length mod 4, runs across staging chunks, and odd byte offsets', () => {
        const d = new HalfDecoder({ wasm });
        for (const n of [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 32767, 32768, 32769, 3 * 32768 + 3, 100_001]) {
          const h = randomHalves(n, n + 1);
          expectSameFloats(d.decode(bytesOf(h), n), float16ToFloat32(h));
          // the same halves one byte into a buffer, and with trailing bytes beyond count
          const odd = new Uint8Array(2 * n + 5);
          odd.set(bytesOf(h), 1);
          expectSameFloats(d.decode(odd.subarray(1), n), float16ToFloat32(h));
        }
      });

      it('reuses its memory for smaller runs and grows for larger ones; the result is exactly count values', () => {
        const d = new HalfDecoder({ wasm });
        const a = d.decode(bytesOf(randomHalves(5000, 1)), 5000);
        const b = d.decode(bytesOf(randomHalves(100, 2)), 100);
        expect(b.length).toBe(100);
        expect(b.buffer).toBe(a.buffer);
        const c = d.decode(bytesOf(randomHalves(50_000, 3)), 50_000);
        expect(c.length).toBe(50_000);
        expect(d.bytes).toBeGreaterThanOrEqual(4 * 50_000);
        expectSameFloats(c, float16ToFloat32(randomHalves(50_000, 3)));
      });

      it('refuses more values than the bytes hold', () => {
        expect(() => new HalfDecoder({ wasm }).decode(new Uint8Array(9), 5)).toThrow(RangeError);
        expect(() => new HalfDecoder({ wasm }).decode(new Uint8Array(8), -1)).toThrow(RangeError);
      });
    });
  }
});
