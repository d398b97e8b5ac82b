// The SIMD blend against its JavaScript reference (bit for bit), and both against values computed by hand.
import { describe, expect, it } from 'vitest';
import { BlendBand, type TilePlacement } from '../../../src/engine/jobs/blendBand';
import { tileTapers } from '../../../src/engine/jobs/blendWindow';
import { RowStitcher } from '../../../src/engine/jobs/rowStitcher';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

describe('BlendBand', () => {
  it('runs the SIMD code in this Node', () => {
    expect(new BlendBand({ classes: 2, height: 8, width: 8, tileSize: 8 }).simd).toBe(true);
    expect(new BlendBand({ classes: 2, height: 8, width: 8, tileSize: 8, wasm: false }).simd).toBe(false);
  });

  it('adds w_y · w_x · logit where the tile has data, by hand on a 1-class 4×4 tile', () => {
    for (const wasm of [true, false]) {
      const band = new BlendBand({ classes: 1, height: 4, width: 6, tileSize: 4, wasm });
      const tapers = { x: Float32Array.of(0.5, 1, 1, 0.25), y: Float32Array.of(1, 0.5, 1, 1) };
      const logits = Float32Array.from({ length: 16 }, (_, i) => i + 1);
      const valid = Uint8Array.from({ length: 16 }, (_, i) => (i === 5 ? 0 : 1));
      logits[5] = NaN; // no data: must not reach the sums
      const window = { x: 2, y: 0, width: 4, height: 4 };
      band.addTile({ window, bandRow: 0, bandCol: 2, tileRow: 0, tileCol: 0, rows: 4, cols: 4 }, logits, valid, tapers);
      band.addTile({ window, bandRow: 0, bandCol: 2, tileRow: 0, tileCol: 0, rows: 4, cols: 4 }, logits, valid, tapers);
      // row 1 (wy = 0.5), column 2 of the band = tile column 0 (wx = 0.5): twice 0.25 · 5
      expect(band.acc[1 * 6 + 2]).toBe(2.5);
      expect(band.wsum[1 * 6 + 2]).toBe(0.5);
      // tile pixel 5 (row 1, column 1) had no data
      expect(band.acc[1 * 6 + 3]).toBe(0);
      expect(band.wsum[1 * 6 + 3]).toBe(0);
      expect(band.valid[1 * 6 + 3]).toBe(0);
      // row 3, tile column 3 (wx = 0.25, wy = 1): twice 0.25 · 16
      expect(band.acc[3 * 6 + 5]).toBe(8);
      expect(band.valid[3 * 6 + 5]).toBe(1);
      // band columns 0, 1 untouched
      expect(band.wsum[0]).toBe(0);
      expect(band.valid[1]).toBe(0);
    }
  });

  it('gives the JavaScript reference’s bits on random tiles, holes with NaN logits, and every row length mod 4', () => {
    const r = rng(7);
    for (const [T, W, classes] of [[16, 37, 3], [13, 13, 1], [32, 50, 5]] as const) {
      const simd = new BlendBand({ classes, height: T, width: W, tileSize: T });
      const js = new BlendBand({ classes, height: T, width: W, tileSize: T, wasm: false });
      for (let k = 0; k < 12; k++) {
        const cols = 1 + Math.floor(r() * Math.min(T, W));
        const rows = 1 + Math.floor(r() * T);
        const tileCol = Math.floor(r() * (T - cols + 1));
        const tileRow = Math.floor(r() * (T - rows + 1));
        const p: TilePlacement = { window: { x: 0, y: 0, width: T, height: T }, bandRow: Math.floor(r() * (T - rows + 1)), bandCol: Math.floor(r() * (W - cols + 1)), tileRow, tileCol, rows, cols };
        const valid = Uint8Array.from({ length: T * T }, () => (r() < 0.15 ? 0 : 1));
        if (k % 3 === 0) valid.fill(1); // rows without holes take the unmasked path
        const logits = Float32Array.from({ length: classes * T * T }, (_, i) => (valid[i % (T * T)] ? (r() - 0.5) * 40 : NaN));
        const tapers = tileTapers(T, { left: Math.floor(r() * 5), right: Math.floor(r() * 5), top: Math.floor(r() * 5), bottom: 3 });
        simd.addTile(p, logits, valid, tapers);
        js.addTile(p, logits, valid, tapers);
      }
      expect(bits(simd.acc)).toEqual(bits(js.acc));
      expect(bits(simd.wsum)).toEqual(bits(js.wsum));
      expect(Array.from(simd.valid)).toEqual(Array.from(js.valid));
      expect(simd.acc.some((v) => Number.isNaN(v))).toBe(false);
      expect(simd.acc.some((v) => v !== 0)).toBe(true);
    }
  });

  it('argmaxMask: the largest sum wins, the first class on ties, NaN never, 255 where no tile had data', () => {
    for (const classes of [1, 2, 3, 6]) {
      const o = { classes, height: 5, width: 7, tileSize: 5 };
      const simd = new BlendBand(o), js = new BlendBand({ ...o, wasm: false });
      for (const b of [simd, js]) {
        const rr = rng(classes);
        for (let i = 0; i < b.acc.length; i++) b.acc[i] = Math.round((rr() - 0.5) * 6); // small integers: many ties
        for (let i = 0; i < b.wsum.length; i++) {
          b.wsum[i] = i % 11 === 3 ? 0 : 1;
          b.valid[i] = i % 13 === 5 ? 0 : 1;
        }
        b.acc[classes > 1 ? 35 + 2 : 2] = NaN;
      }
      for (const count of [35, 34, 33, 1, 0]) {
        const got = simd.argmaxMask(count, 255), want = js.argmaxMask(count, 255);
        expect(Array.from(got)).toEqual(Array.from(want));
      }
      // by hand, pixel 0: the first class holding the maximum
      const plane = 35;
      const vals = Array.from({ length: classes }, (_, c) => js.acc[c * plane]);
      expect(js.argmaxMask(1, 255)[0]).toBe(vals.indexOf(Math.max(...vals)));
      expect(js.argmaxMask(35, 255)[3]).toBe(255);
      expect(js.argmaxMask(35, 255)[5]).toBe(255);
    }
    // all-NaN pixel: class 0, as the JavaScript rule gives
    const b = new BlendBand({ classes: 3, height: 1, width: 4, tileSize: 1 });
    b.acc.fill(NaN);
    b.wsum.fill(1);
    b.valid.fill(1);
    expect(Array.from(b.argmaxMask(4, 255))).toEqual([0, 0, 0, 0]);
  });

  it('a released band’s memory serves the next band of a fitting size, zeroed', () => {
    const o = { classes: 2, height: 8, width: 21, tileSize: 8 };
    const tile = { window: { x: 0, y: 0, width: 8, height: 8 }, bandRow: 0, bandCol: 5, tileRow: 0, tileCol: 0, rows: 8, cols: 8 };
    const logits = Float32Array.from({ length: 2 * 64 }, (_, i) => i - 50);
    const valid = new Uint8Array(64).fill(1);
    const tapers = tileTapers(8, { left: 2, right: 2, top: 2, bottom: 2 });
    const first = new BlendBand(o);
    first.addTile(tile, logits, valid, tapers);
    const memory = first.acc.buffer;
    first.release();
    const second = new BlendBand(o);
    expect(second.acc.buffer).toBe(memory);
    expect(second.acc.every((v) => v === 0) && second.wsum.every((v) => v === 0) && second.valid.every((v) => v === 0)).toBe(true);
    second.addTile(tile, logits, valid, tapers);
    const reference = new BlendBand({ ...o, wasm: false });
    reference.addTile(tile, logits, valid, tapers);
    expect(bits(second.acc)).toEqual(bits(reference.acc));
    // while in use, it is nobody else's
    expect(new BlendBand(o).acc.buffer).not.toBe(memory);
    // a small band does not hold on to a far larger memory
    const big = new BlendBand({ ...o, width: 21_000 });
    const bigMemory = big.acc.buffer;
    big.release();
    expect(new BlendBand(o).acc.buffer).not.toBe(bigMemory);
    expect(new BlendBand({ ...o, width: 20_000 }).acc.buffer).toBe(bigMemory);
  });

  it('a stitcher on SIMD and one on the JavaScript loops emit the same strips and band state', () => {
    const r = rng(11);
    const box = { x: 3, y: 2, width: 45, height: 40 };
    const T = 16;
    const make = (wasm: boolean, probabilities = true) => new RowStitcher({ box, classes: 3, tileSize: T, wasm, probabilities, aoiMask: (w) => Uint8Array.from({ length: w.width * w.height }, (_, i) => (i % 17 === 0 ? 0 : 1)) });
    const a = make(true), b = make(false), am = make(true, false), bm = make(false, false);
    const tapers = tileTapers(T, { left: 4, right: 4, top: 4, bottom: 4 });
    for (let ty = 0; ty < 3; ty++) {
      for (let tx = -1; tx < 4; tx++) {
        const window = { x: box.x + tx * 12, y: box.y + ty * 12, width: T, height: T };
        const valid = Uint8Array.from({ length: T * T }, () => (r() < 0.1 ? 0 : 1));
        const logits = Float32Array.from({ length: 3 * T * T }, () => (r() - 0.5) * 10);
        for (const st of [a, b, am, bm]) st.addTile(window, logits, valid, tapers);
      }
      expect(Array.from(a.bandState())).toEqual(Array.from(b.bandState()));
      const sa = a.finalizeUpTo(box.y + (ty + 1) * 12)!, sb = b.finalizeUpTo(box.y + (ty + 1) * 12)!;
      expect(Array.from(sa.mask)).toEqual(Array.from(sb.mask));
      expect(bits(sa.probabilities)).toEqual(bits(sb.probabilities));
      // mask only (the SIMD argmax): the masks of the JavaScript loops, and of the softmax path
      const ma = am.finalizeUpTo(box.y + (ty + 1) * 12)!, mb = bm.finalizeUpTo(box.y + (ty + 1) * 12)!;
      expect(Array.from(ma.mask)).toEqual(Array.from(mb.mask));
      expect(Array.from(ma.mask)).toEqual(Array.from(sa.mask));
      expect(ma.mask.includes(255) && ma.mask.some((v) => v !== 255)).toBe(true);
    }
  });
});
