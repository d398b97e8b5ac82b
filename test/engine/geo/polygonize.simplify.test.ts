import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { polygonizeWithNodes, type PixelPolygon } from '../../../src/engine/geo/polygonize';
import { douglasPeucker, simplifyPolygons } from '../../../src/engine/geo/simplify';

const python = '/usr/bin/python3';
const hasOgr = existsSync(python) && (() => { try { execFileSync(python, ['-c', 'from osgeo import ogr'], { stdio: 'ignore' }); return true; } catch { return false; } })();

function blobMask(w: number, h: number, classes: number, seed: number): Uint8Array {
  let s = seed;
  const r = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  const cx = Array.from({ length: 12 }, () => [r() * w, r() * h, Math.floor(r() * classes)]);
  const m = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    let best = 0, bd = Infinity;
    for (let k = 0; k < cx.length; k++) {
      const d = Math.hypot(x - cx[k][0], (y - cx[k][1]) * 1.3) + 6 * Math.sin(x / 5 + k) * Math.cos(y / 7);
      if (d < bd) [bd, best] = [d, k];
    }
    m[y * w + x] = r() < 0.02 ? Math.floor(r() * classes) : cx[best][2]; // speckle: islands and holes
  }
  return m;
}

const signedArea = (r: number[][]) => { let a = 0; for (let i = 0; i + 1 < r.length; i++) a += r[i][0] * r[i + 1][1] - r[i + 1][0] * r[i][1]; return a / 2; };
const polyArea = (p: PixelPolygon) => p.rings.reduce((a, r) => a + signedArea(r), 0);

function distToRing(pt: number[], ring: number[][]): number {
  let best = Infinity;
  for (let i = 0; i + 1 < ring.length; i++) {
    const [ax, ay] = ring[i], [bx, by] = ring[i + 1];
    const dx = bx - ax, dy = by - ay, l2 = dx * dx + dy * dy;
    const t = l2 ? Math.max(0, Math.min(1, ((pt[0] - ax) * dx + (pt[1] - ay) * dy) / l2)) : 0;
    best = Math.min(best, Math.hypot(pt[0] - ax - t * dx, pt[1] - ay - t * dy));
  }
  return best;
}

function coveredBy(pt: number[], polys: PixelPolygon[]): number {
  let n = 0;
  for (const p of polys) {
    let inside = false;
    for (const r of p.rings) for (let i = 0; i + 1 < r.length; i++) {
      const [x1, y1] = r[i], [x2, y2] = r[i + 1];
      if ((y1 > pt[1]) !== (y2 > pt[1]) && pt[0] < x1 + ((pt[1] - y1) * (x2 - x1)) / (y2 - y1)) inside = !inside;
    }
    if (inside) n++;
  }
  return n;
}

describe('simplify', () => {
  it('Douglas–Peucker keeps end points and every point within tolerance', () => {
    const stairs = [[0, 0], [1, 0], [1, 1], [2, 1], [2, 2], [3, 2], [3, 3]];
    expect(douglasPeucker(stairs, 1.5)).toEqual([[0, 0], [3, 3]]);
    const fine = douglasPeucker(stairs, 0.3);
    expect(fine.length).toBeGreaterThan(2);
    for (const v of stairs) expect(distToRing(v, fine)).toBeLessThanOrEqual(0.3);
    expect(douglasPeucker([[0, 0], [5, 3], [10, 0]], 2)).toEqual([[0, 0], [5, 3], [10, 0]]);
  });

  it('keeps neighbours matched: the simplified polygons still tile the raster exactly', () => {
    for (let seed = 1; seed <= 6; seed++) {
      const w = 40 + seed * 5, h = 30 + seed * 3;
      const mask = blobMask(w, h, 3 + (seed % 3), seed);
      const { polygons, nodes } = polygonizeWithNodes(mask, w, h, { keepNodes: true });
      const simple = simplifyPolygons(polygons, { tolerance: 1.5, nodes: nodes!, width: w });
      const before = polygons.reduce((n, p) => n + p.rings.reduce((m, r) => m + r.length, 0), 0);
      const after = simple.reduce((n, p) => n + p.rings.reduce((m, r) => m + r.length, 0), 0);
      expect(after).toBeLessThan(before * 0.8); // it does simplify
      // Areas add up to the raster exactly: no gap, no overlap (a gap or overlap changes the sum)...
      expect(simple.reduce((a, p) => a + polyArea(p), 0)).toBeCloseTo(w * h, 9);
      // ...and points sampled off the edges are covered exactly once.
      let s = seed;
      const r = () => ((s = (s * 22695477 + 1) >>> 0) / 2 ** 32);
      for (let k = 0; k < 400; k++) {
        const pt = [r() * w, r() * h];
        if (simple.some((p) => p.rings.some((ring) => distToRing(pt, ring) < 1e-6))) continue;
        expect(coveredBy(pt, simple)).toBe(1);
      }
      // Every original vertex stays within the tolerance of its simplified ring.
      simple.forEach((p, i) => p.rings.forEach((ring, j) => {
        for (const v of polygons[i].rings[j]) expect(distToRing(v, ring)).toBeLessThanOrEqual(1.5 + 1e-9);
      }));
    }
  });

  it.skipIf(!hasOgr)('produces polygons GEOS finds valid', () => {
   for (const seed of [11, 12, 13]) {
    const w = 90, h = 70;
    const mask = blobMask(w, h, 4, seed);
    const { polygons, nodes } = polygonizeWithNodes(mask, w, h, { keepNodes: true });
    const simple = simplifyPolygons(polygons, { tolerance: 1.5, nodes: nodes!, width: w });
    const wkts = simple.map((p) => `POLYGON(${p.rings.map((r) => `(${r.map((q) => q.join(' ')).join(',')})`).join(',')})`);
    const out = execFileSync(python, ['-c', 'import sys,json; from osgeo import ogr\nprint(json.dumps([ogr.CreateGeometryFromWkt(w).IsValid() for w in json.load(sys.stdin)]))'], { input: JSON.stringify(wkts) }).toString();
    const valid = JSON.parse(out) as boolean[];
    const invalid = valid.filter((v) => !v).length;
    expect(invalid).toBe(0);
   }
  });
});
