import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { polygonize, ringArea, type PixelPolygon } from '../../../src/engine/geo/polygonize';

const python = '/usr/bin/python3';
const hasGdalPython = existsSync(python) && (() => {
  try {
    execFileSync(python, ['-c', 'from osgeo import gdal, ogr'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** Independent rasterizer: which polygon covers each pixel centre (even-odd over all its rings). */
function coverage(polys: PixelPolygon[], width: number, height: number): { count: Uint8Array; value: Int32Array } {
  const count = new Uint8Array(width * height);
  const value = new Int32Array(width * height).fill(-1);
  for (const p of polys) {
    for (let y = 0; y < height; y++) {
      const cy = y + 0.5;
      const xs: number[] = [];
      for (const r of p.rings) for (let i = 0; i + 1 < r.length; i++) {
        const [x1, y1] = r[i], [x2, y2] = r[i + 1];
        if (x1 === x2 && Math.min(y1, y2) < cy && cy < Math.max(y1, y2)) xs.push(x1);
        else if (x1 !== x2 && y1 !== y2) throw new Error('non-axis-aligned edge');
      }
      xs.sort((a, b) => a - b);
      for (let k = 0; k + 1 < xs.length; k += 2) for (let x = xs[k]; x < xs[k + 1]; x++) {
        count[y * width + x]++;
        value[y * width + x] = p.value;
      }
    }
  }
  return { count, value };
}

/** Independent component count per value by flood fill. */
function components(mask: Uint8Array, w: number, h: number, conn: 4 | 8, nodata: number): Map<number, number> {
  const seen = new Uint8Array(w * h);
  const out = new Map<number, number>();
  const nb = conn === 4 ? [[1, 0], [-1, 0], [0, 1], [0, -1]] : [[1, 0], [-1, 0], [0, 1], [0, -1], [1, 1], [1, -1], [-1, 1], [-1, -1]];
  for (let i = 0; i < w * h; i++) {
    if (seen[i] || mask[i] === nodata) continue;
    out.set(mask[i], (out.get(mask[i]) ?? 0) + 1);
    const stack = [i];
    seen[i] = 1;
    while (stack.length) {
      const j = stack.pop()!;
      const x = j % w, y = (j / w) | 0;
      for (const [dx, dy] of nb) {
        const xx = x + dx, yy = y + dy;
        if (xx < 0 || yy < 0 || xx >= w || yy >= h) continue;
        const k = yy * w + xx;
        if (!seen[k] && mask[k] === mask[j]) { seen[k] = 1; stack.push(k); }
      }
    }
  }
  return out;
}

function randomMask(w: number, h: number, classes: number, seed: number, nodataRate = 0): Uint8Array {
  let s = seed;
  const r = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  const m = new Uint8Array(w * h);
  for (let i = 0; i < m.length; i++) m[i] = r() < nodataRate ? 255 : Math.floor(r() * classes);
  return m;
}

function checkInvariants(mask: Uint8Array, w: number, h: number, conn: 4 | 8) {
  const polys = polygonize(mask, w, h, { connectivity: conn, nodata: 255 });
  for (const p of polys) {
    expect(ringArea(p.rings[0])).toBeGreaterThan(0);
    for (const hole of p.rings.slice(1)) expect(ringArea(hole)).toBeLessThan(0);
    expect(p.rings.reduce((a, r) => a + ringArea(r), 0)).toBe(p.pixels);
    for (const r of p.rings) expect(r[0]).toEqual(r[r.length - 1]);
  }
  const cov = coverage(polys, w, h);
  for (let i = 0; i < w * h; i++) {
    expect(cov.count[i]).toBe(mask[i] === 255 ? 0 : 1);
    if (mask[i] !== 255) expect(cov.value[i]).toBe(mask[i]);
  }
  const byValue = new Map<number, number>();
  for (const p of polys) byValue.set(p.value, (byValue.get(p.value) ?? 0) + 1);
  expect(byValue).toEqual(components(mask, w, h, conn, 255));
  return polys;
}

describe('polygonize (pixel-edge tracer)', () => {
  it('traces a ring with a hole and keeps only corners', () => {
    const m = Uint8Array.from([1, 1, 1, 1, 1, 0, 0, 1, 1, 0, 1, 1, 1, 1, 1, 0]);
    const p = polygonize(m, 4, 4);
    const one = p.find((q) => q.value === 1)!;
    expect(one.rings).toEqual([
      [[0, 0], [4, 0], [4, 3], [3, 3], [3, 4], [0, 4], [0, 0]],
      [[1, 1], [1, 3], [2, 3], [2, 2], [3, 2], [3, 1], [1, 1]],
    ]);
    expect(one.pixels).toBe(12);
    expect(one.bbox).toEqual([0, 0, 4, 4]);
    expect(p.filter((q) => q.value === 0).map((q) => q.pixels).sort()).toEqual([1, 3]);
  });

  it('separates diagonal neighbours with 4-connectivity and joins them with 8', () => {
    const m = Uint8Array.from([1, 0, 0, 1]);
    expect(polygonize(m, 2, 2).length).toBe(4);
    const p8 = polygonize(m, 2, 2, { connectivity: 8 });
    expect(p8.map((p) => [p.value, p.pixels])).toEqual([[1, 2], [0, 2]]);
  });

  it('a hole touching the outer ring at a corner stays a hole (4-connected)', () => {
    // the 0 at (1,1) touches the outside 0 at (0,0)... only diagonally
    const m = Uint8Array.from([0, 1, 1, 1, 0, 1, 1, 1, 1]);
    const p = polygonize(m, 3, 3).find((q) => q.value === 1)!;
    expect(p.pixels).toBe(7);
    expect(p.rings.length).toBe(2);
    expect(ringArea(p.rings[1])).toBe(-1);
  });

  it('sums per-pixel weights per polygon (mean probability)', () => {
    const m = Uint8Array.from([1, 1, 2, 2]);
    const p = polygonize(m, 4, 1, { weights: [0.5, 0.7, 0.9, 0.3] });
    expect(p.map((q) => q.value)).toEqual([1, 2]);
    expect(p[0].weightSum).toBeCloseTo(1.2, 12);
    expect(p[1].weightSum).toBeCloseTo(1.2, 12);
  });

  it('on random masks: each pixel covered once by its class, areas = pixel counts, one polygon per component', () => {
    for (const conn of [4, 8] as const) {
      for (let seed = 1; seed <= 12; seed++) {
        const w = 7 + seed * 3, h = 5 + ((seed * 7) % 23);
        checkInvariants(randomMask(w, h, 2 + (seed % 4), seed, seed % 3 === 0 ? 0.1 : 0), w, h, conn);
      }
    }
  });

  for (const conn of [4, 8] as const) {
    it.skipIf(!hasGdalPython)(`matches gdal_polygonize (${conn}-connected): the same polygons by value, area and hole count`, () => {
      const ref = JSON.parse(execFileSync(python, [new URL('./polygonize_gdal.py', import.meta.url).pathname, String(conn)], { maxBuffer: 1 << 26 }).toString()) as { width: number; height: number; mask: string; polygons: [number, number, number][] }[];
      expect(ref.length).toBe(6);
      for (const c of ref) {
        const mask = new Uint8Array(Buffer.from(c.mask, 'base64'));
        const ours = checkInvariants(mask, c.width, c.height, conn);
        const mine = ours.map((p) => [p.value, p.pixels, p.rings.length - 1]).sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
        expect(mine).toEqual(c.polygons);
      }
    });
  }
});
