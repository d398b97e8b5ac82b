import { describe, expect, it } from 'vitest';
import { pixelFeatures, pixelsLayout } from '../../../src/engine/heads/pixels';

describe('pixels backbone', () => {
  it('pixel-unshuffles the 2^k-pooled tile in PyTorch channel order', () => {
    const C = 2, S = 128;
    // value encodes its position: c·1e6 + row·1e3 + col, so every pooled value has a closed form
    const img = new Float32Array(C * S * S).map((_, i) => {
      const c = Math.floor(i / (S * S));
      const r = Math.floor((i % (S * S)) / S);
      return c * 1e6 + r * 1e3 + (i % S);
    });
    const f = pixelFeatures(img, C, S);
    expect(f.map((t) => t.name)).toEqual(['t0_s1', 't0_s2', 't0_s3', 't0_s4']);
    expect(f.map((t) => t.shape)).toEqual([[128, 16, 16], [128, 8, 8], [128, 4, 4], [128, 2, 2]]);
    for (let k = 0; k < 4; k++) {
      const p = 2 ** k;
      const h = S / 8 / p;
      for (const [c, dy, dx, y, x] of [[0, 0, 0, 0, 0], [1, 3, 5, 1, 1], [1, 7, 7, h - 1, h - 1], [0, 2, 6, 0, h - 1]] as const) {
        // pooled pixel (row, col) of level k averages rows p·row … p·row+p-1: mean row = p·row + (p-1)/2
        const row = 8 * y + dy, col = 8 * x + dx;
        const expected = c * 1e6 + (p * row + (p - 1) / 2) * 1e3 + (p * col + (p - 1) / 2);
        const oc = c * 64 + dy * 8 + dx;
        expect(f[k]!.data[(oc * h + y) * h + x]).toBeCloseTo(expected, 0);
      }
    }
  });

  it('describes its layout and refuses tiles that do not divide by 64', () => {
    expect(pixelsLayout(3, 256).scales.map((s) => [s.size, s.taps[0]!.channels])).toEqual([[32, 192], [16, 192], [8, 192], [4, 192]]);
    expect(() => pixelFeatures(new Float32Array(3 * 100 * 100), 3, 100)).toThrow(/divisible by 64/);
  });
});
