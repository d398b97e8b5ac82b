// Whether a polygon's rings cross or overlap themselves or each other: what Douglas–Peucker can create
// when it straightens a boundary past a nearby one. Segments meeting at a shared vertex are allowed (rings
// of pixel polygons touch at nodes, which simplification keeps fixed). A uniform grid keeps it near linear.

type Pt = readonly number[];

function orient(a: Pt, b: Pt, c: Pt): number {
  const v = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
  return v > 0 ? 1 : v < 0 ? -1 : 0;
}

const same = (a: Pt, b: Pt) => a[0] === b[0] && a[1] === b[1];

function onSegment(a: Pt, b: Pt, p: Pt): boolean {
  return Math.min(a[0], b[0]) <= p[0] && p[0] <= Math.max(a[0], b[0]) && Math.min(a[1], b[1]) <= p[1] && p[1] <= Math.max(a[1], b[1]);
}

/** True when segments ab and cd share any point other than a common end vertex. */
export function segmentsConflict(a: Pt, b: Pt, c: Pt, d: Pt): boolean {
  const shared = same(a, c) || same(a, d) || same(b, c) || same(b, d);
  const o1 = orient(a, b, c), o2 = orient(a, b, d), o3 = orient(c, d, a), o4 = orient(c, d, b);
  if (o1 === 0 && o2 === 0) {
    // collinear: conflict when they overlap in more than a shared end point
    const ax = Math.abs(a[0] - b[0]) >= Math.abs(a[1] - b[1]) ? 0 : 1;
    const [s1, e1] = [Math.min(a[ax], b[ax]), Math.max(a[ax], b[ax])];
    const [s2, e2] = [Math.min(c[ax], d[ax]), Math.max(c[ax], d[ax])];
    return Math.min(e1, e2) - Math.max(s1, s2) > 0;
  }
  if (shared) return false;
  if (o1 !== o2 && o3 !== o4) return true;
  return (o1 === 0 && onSegment(a, b, c)) || (o2 === 0 && onSegment(a, b, d)) || (o3 === 0 && onSegment(c, d, a)) || (o4 === 0 && onSegment(c, d, b));
}

export function ringsConflict(rings: readonly (readonly Pt[])[]): boolean {
  const segs: [Pt, Pt][] = [];
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (const r of rings) {
    for (let i = 0; i + 1 < r.length; i++) {
      segs.push([r[i], r[i + 1]]);
      minX = Math.min(minX, r[i][0]); maxX = Math.max(maxX, r[i][0]);
      minY = Math.min(minY, r[i][1]); maxY = Math.max(maxY, r[i][1]);
    }
  }
  if (segs.length < 3) return false;
  const n = Math.ceil(Math.sqrt(segs.length));
  const cw = Math.max((maxX - minX) / n, 1e-9), ch = Math.max((maxY - minY) / n, 1e-9);
  const cells = new Map<number, number[]>();
  segs.forEach(([p, q], i) => {
    const x0 = Math.floor((Math.min(p[0], q[0]) - minX) / cw), x1 = Math.floor((Math.max(p[0], q[0]) - minX) / cw);
    const y0 = Math.floor((Math.min(p[1], q[1]) - minY) / ch), y1 = Math.floor((Math.max(p[1], q[1]) - minY) / ch);
    for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) {
      const k = y * (n + 2) + x;
      const list = cells.get(k);
      if (list) list.push(i);
      else cells.set(k, [i]);
    }
  });
  for (const list of cells.values()) {
    for (let i = 0; i < list.length; i++) for (let j = i + 1; j < list.length; j++) {
      const [a, b] = segs[list[i]], [c, d] = segs[list[j]];
      if (segmentsConflict(a, b, c, d)) return true;
    }
  }
  return false;
}
