// Topology-preserving simplification of traced pixel polygons. Neighbouring polygons share their
// boundary, so simplifying each ring on its own would open gaps and overlaps between them. Instead each
// ring is cut at the boundary nodes (where three regions meet, see polygonize.ts) into arcs; an arc is
// the whole boundary between two regions from node to node, and both regions hold it (in opposite
// directions). Every arc is simplified with Douglas–Peucker in a canonical direction with its end points
// fixed, so both copies come out identical and the polygons still tile the plane exactly. Rings that would
// collapse (fewer than three distinct points, or no area) and polygons whose simplified rings would cross
// keep their original arcs, on both sides; this repeats until nothing changes.
import type { PixelPolygon } from './polygonize';
import { ringsConflict } from './simplifyCheck';

type Pt = number[];

/** Douglas–Peucker on an open polyline, end points kept; iterative. */
export function douglasPeucker(points: readonly Pt[], tolerance: number): Pt[] {
  const n = points.length;
  if (n <= 2 || tolerance <= 0) return points.map((p) => p);
  const keep = new Uint8Array(n);
  keep[0] = keep[n - 1] = 1;
  const stack: [number, number][] = [[0, n - 1]];
  const tol2 = tolerance * tolerance;
  while (stack.length) {
    const [a, b] = stack.pop()!;
    const [ax, ay] = points[a];
    const [bx, by] = points[b];
    const dx = bx - ax, dy = by - ay;
    const len2 = dx * dx + dy * dy;
    let best = -1, bestD = tol2;
    for (let i = a + 1; i < b; i++) {
      const [px, py] = points[i];
      let d: number;
      if (len2 === 0) d = (px - ax) ** 2 + (py - ay) ** 2;
      else {
        const cross = dx * (py - ay) - dy * (px - ax);
        d = (cross * cross) / len2;
      }
      if (d > bestD) {
        bestD = d;
        best = i;
      }
    }
    if (best >= 0) {
      keep[best] = 1;
      stack.push([a, best], [best, b]);
    }
  }
  return points.filter((_, i) => keep[i]);
}

const area2 = (ring: readonly Pt[]) => {
  let s = 0;
  for (let i = 0; i + 1 < ring.length; i++) s += ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1];
  return s;
};

export interface SimplifyOptions {
  /** Tolerance in pixels (default 1.5, i.e. 1.5 × the pixel size). */
  readonly tolerance?: number;
  /** Node mask from polygonizeWithNodes (index row·(width+1)+col); required to keep neighbours matched. */
  readonly nodes: Uint8Array;
  readonly width: number;
}

export function simplifyPolygons(polys: readonly PixelPolygon[], opts: SimplifyOptions): PixelPolygon[] {
  const tol = opts.tolerance ?? 1.5;
  const W1 = opts.width + 1;
  const vid = (p: Pt) => p[1] * W1 + p[0];
  const isNode = (p: Pt) => opts.nodes[vid(p)] === 1;
  const frozen = new Set<string>();

  /** Splits a closed ring (last = first) into arcs between nodes; a ring without nodes is one closed arc. */
  function arcsOf(ring: readonly Pt[]): Pt[][] {
    const open = ring.slice(0, -1);
    const starts = open.map((p, i) => (isNode(p) ? i : -1)).filter((i) => i >= 0);
    if (starts.length === 0) {
      // Canonical start: the smallest vertex id, so both sides cut the closed arc at the same point.
      let s = 0;
      for (let i = 1; i < open.length; i++) if (vid(open[i]) < vid(open[s])) s = i;
      const rot = [...open.slice(s), ...open.slice(0, s)];
      return [[...rot, rot[0]]];
    }
    const rot = [...open.slice(starts[0]), ...open.slice(0, starts[0])];
    const out: Pt[][] = [];
    let cur: Pt[] = [rot[0]];
    for (let i = 1; i <= rot.length; i++) {
      const p = rot[i % rot.length];
      cur.push(p);
      if (isNode(p)) {
        out.push(cur);
        cur = [p];
      }
    }
    return out;
  }

  function keyOf(arc: readonly Pt[]): { key: string; reversed: boolean } {
    const a = vid(arc[0]), b = vid(arc[arc.length - 1]);
    const s1 = vid(arc[1]), s2 = vid(arc[arc.length - 2]);
    const reversed = a > b || (a === b && s1 > s2);
    return reversed ? { key: `${b}:${s2}:${a}`, reversed } : { key: `${a}:${s1}:${b}`, reversed };
  }

  function simplifyArc(arc: Pt[]): Pt[] {
    const { key, reversed } = keyOf(arc);
    if (frozen.has(key) || arc.length <= 2) return arc;
    const canon = reversed ? [...arc].reverse() : arc;
    let s: Pt[];
    if (vid(canon[0]) === vid(canon[canon.length - 1])) {
      // A closed arc: anchor it at its start and at the vertex farthest from it.
      let far = 1, best = -1;
      for (let i = 1; i < canon.length - 1; i++) {
        const d = (canon[i][0] - canon[0][0]) ** 2 + (canon[i][1] - canon[0][1]) ** 2;
        if (d > best) [best, far] = [d, i];
      }
      s = [...douglasPeucker(canon.slice(0, far + 1), tol), ...douglasPeucker(canon.slice(far), tol).slice(1)];
    } else {
      s = douglasPeucker(canon, tol);
    }
    return reversed ? s.reverse() : s;
  }

  const arcSets = polys.map((p) => p.rings.map(arcsOf));
  for (let round = 0; round < 64; round++) {
    let changed = false;
    /** Keeps these arcs as they are from now on (in every polygon that shares them). */
    const freeze = (arcs: readonly (readonly Pt[])[]): void => {
      for (const arc of arcs) {
        const k = keyOf(arc).key;
        if (!frozen.has(k)) {
          frozen.add(k);
          changed = true;
        }
      }
    };
    const out: PixelPolygon[] = polys.map((p, pi) => {
      const rings = arcSets[pi].map((arcs, ri) => {
        const ring: Pt[] = [];
        for (const arc of arcs) {
          const s = simplifyArc(arc);
          ring.push(...(ring.length ? s.slice(1) : s));
        }
        const distinct = new Set(ring.slice(0, -1).map(vid)).size;
        const orig = p.rings[ri];
        if (distinct < 3 || Math.sign(area2(ring)) !== Math.sign(area2(orig))) {
          freeze(arcs);
          return orig.map((q) => q);
        }
        return ring;
      });
      if (ringsConflict(rings)) {
        for (const arcs of arcSets[pi]) freeze(arcs);
        return { ...p, rings: p.rings.map((r) => r.map((q) => q)) };
      }
      return { ...p, rings };
    });
    if (!changed) return out;
  }
  return polys.map((p) => ({ ...p, rings: p.rings.map((r) => r.map((q) => q)) }));
}
