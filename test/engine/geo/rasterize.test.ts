// Polygon rasterization: hand-computable masks, and pixel-for-pixel agreement with gdal_rasterize's default
// (centre-inside) rule on random polygons with holes and multipolygons.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { PolygonGeometry } from '../../../src/shared/geometry';
import { rasterizePixels, rasterizePolygon } from '../../../src/engine/geo/rasterize';
import { hasGdalPython } from '../raster/fixtures';

const count = (m: Uint8Array): number => m.reduce((s, v) => s + v, 0);

describe('rasterizePixels (hand-computed)', () => {
  it('a rectangle covers the pixels whose centres it contains', () => {
    // x from 1.2 to 4.7 → centres 1.5, 2.5, 3.5, 4.5 (cols 1–4); y from 0.4 to 2.6 → centres 0.5, 1.5, 2.5.
    const g: PolygonGeometry = { type: 'Polygon', coordinates: [[[1.2, 0.4], [4.7, 0.4], [4.7, 2.6], [1.2, 2.6], [1.2, 0.4]]] };
    const m = rasterizePixels(g, { x: 0, y: 0, width: 6, height: 4 });
    const want = [
      0, 1, 1, 1, 1, 0,
      0, 1, 1, 1, 1, 0,
      0, 1, 1, 1, 1, 0,
      0, 0, 0, 0, 0, 0,
    ];
    expect(Array.from(m)).toEqual(want);
  });

  it('holes are excluded; the window offset shifts the grid', () => {
    const g: PolygonGeometry = { type: 'Polygon', coordinates: [
      [[10, 10], [20, 10], [20, 20], [10, 20]],
      [[12, 12], [12, 18], [18, 18], [18, 12]],
    ] };
    const m = rasterizePixels(g, { x: 10, y: 10, width: 10, height: 10 });
    expect(count(m)).toBe(100 - 36);
    expect(m[5 * 10 + 5]).toBe(0);
    expect(m[0]).toBe(1);
  });

  it('MultiPolygon parts are unioned; evenodd and nonzero differ only inside one self-overlapping part', () => {
    const sq = (x0: number, y0: number, s: number): [number, number][] => [[x0, y0], [x0 + s, y0], [x0 + s, y0 + s], [x0, y0 + s]];
    const win = { x: 0, y: 0, width: 10, height: 10 };
    const multi: PolygonGeometry = { type: 'MultiPolygon', coordinates: [[sq(0, 0, 6)], [sq(3, 3, 6)]] };
    expect(count(rasterizePixels(multi, win, 'evenodd'))).toBe(36 + 36 - 9);
    expect(count(rasterizePixels(multi, win, 'nonzero'))).toBe(36 + 36 - 9);
    const twoOuterRings: PolygonGeometry = { type: 'Polygon', coordinates: [sq(0, 0, 6), sq(3, 3, 6)] };
    expect(count(rasterizePixels(twoOuterRings, win, 'evenodd'))).toBe(36 + 36 - 2 * 9);
    expect(count(rasterizePixels(twoOuterRings, win, 'nonzero'))).toBe(36 + 36 - 9);
  });

  it('a triangle: pixel counts per row follow the edge crossings', () => {
    const g: PolygonGeometry = { type: 'Polygon', coordinates: [[[0, 0], [8, 0], [0, 8]]] };
    const m = rasterizePixels(g, { x: 0, y: 0, width: 8, height: 8 });
    // Row r: centre y = r + 0.5, hypotenuse at x = 8 − y; centres c with c ≤ 7.5 − r.
    for (let r = 0; r < 8; r++) expect(count(m.subarray(r * 8, r * 8 + 8)), `row ${r}`).toBe(8 - r);
  });

  it('rasterizePolygon maps CRS coordinates through the geotransform', () => {
    const g: PolygonGeometry = { type: 'Polygon', coordinates: [[[1000, 2000], [1040, 2000], [1040, 1980], [1000, 1980]]] };
    // 10 m pixels, origin (1000, 2000): the polygon is columns 0–3, rows 0–1.
    const m = rasterizePolygon(g, [1000, 10, 0, 2000, 0, -10], { x: 0, y: 0, width: 5, height: 3 });
    expect(Array.from(m)).toEqual([1, 1, 1, 1, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
  });
});

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** A star-shaped ring around (cx, cy): never self-intersecting, random radii and angles. */
function starRing(r: () => number, cx: number, cy: number, rmin: number, rmax: number, n: number, ccw: boolean): [number, number][] {
  const angles = Array.from({ length: n }, () => r() * Math.PI * 2).sort((a, b) => a - b);
  const ring = angles.map((a) => {
    const rad = rmin + r() * (rmax - rmin);
    return [cx + rad * Math.cos(a), cy + rad * Math.sin(a)] as [number, number];
  });
  if (!ccw) ring.reverse();
  ring.push(ring[0]);
  return ring;
}

describe.skipIf(!hasGdalPython)('rasterizePixels against gdal_rasterize', () => {
  it('40 random polygons (with holes) and multipolygons agree pixel for pixel', () => {
    const r = rng(42);
    const W = 64;
    const H = 48;
    const polys: PolygonGeometry[] = [];
    for (let i = 0; i < 40; i++) {
      const outer = starRing(r, 10 + r() * 44, 8 + r() * 32, 4, 30, 5 + Math.floor(r() * 20), true);
      if (i % 4 === 3) {
        const other = starRing(r, 10 + r() * 44, 8 + r() * 32, 2, 12, 6, true);
        polys.push({ type: 'MultiPolygon', coordinates: [[outer], [other]] });
      } else if (i % 2 === 1) {
        const c = outer.slice(0, -1).reduce((a, p) => [a[0] + p[0], a[1] + p[1]], [0, 0]).map((v) => v / (outer.length - 1));
        polys.push({ type: 'Polygon', coordinates: [outer, starRing(r, c[0], c[1], 0.5, 2.5, 7, false)] });
      } else {
        polys.push({ type: 'Polygon', coordinates: [outer] });
      }
    }
    const res = spawnSync('/usr/bin/python3', ['test/engine/geo/gdal_rasterize.py'], { input: JSON.stringify({ width: W, height: H, polygons: polys }), encoding: 'utf8', maxBuffer: 1 << 26 });
    expect(res.status, res.stderr).toBe(0);
    const ref = JSON.parse(res.stdout).masks as number[][];
    let differing = 0;
    polys.forEach((g, i) => {
      const ours = Array.from(rasterizePixels(g, { x: 0, y: 0, width: W, height: H }));
      const diff = ours.reduce((s, v, k) => s + (v !== ref[i][k] ? 1 : 0), 0);
      if (diff) differing++;
      expect(diff, `polygon ${i} (${g.type}) differs at ${diff} pixels`).toBe(0);
      expect(ours.some((v) => v === 1)).toBe(true);
    });
    expect(differing).toBe(0);
  });
});
