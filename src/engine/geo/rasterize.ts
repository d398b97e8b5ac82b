// Polygon → pixel mask. A pixel is inside when its centre is inside, GDAL's default rule (gdal_rasterize
// without -at). Scanlines run through pixel centres; crossings follow GDAL's tie-breaking, so that masks agree
// with gdal_rasterize pixel for pixel: an edge counts on a scanline when y1 ≤ y < y2, and a span between
// crossings a and b covers the pixels whose centre c satisfies a < c ≤ b.
// Each part of a MultiPolygon is burned on its own and the parts are unioned, as gdal_rasterize does. Within a
// part, 'evenodd' (GDAL's rule) pairs the crossings of all its rings; 'nonzero' uses the rings' winding, which
// only differs for self-overlapping rings (invalid polygons).
import type { GeoTransform, PixelWindow, PolygonCoords, PolygonGeometry, Ring } from '../../shared/geometry';
import { invertGeoTransform } from './affine';

export type FillRule = 'evenodd' | 'nonzero';

interface Edge {
  /** Lower and upper y (pixel rows), x at the lower end, dx/dy, and +1/−1 for the edge's direction. */
  y0: number;
  y1: number;
  x0: number;
  slope: number;
  dir: number;
}

interface Horizontal {
  y: number;
  xa: number;
  xb: number;
}

function openRing(r: Ring): Ring {
  const n = r.length;
  return n > 1 && r[0][0] === r[n - 1][0] && r[0][1] === r[n - 1][1] ? r.slice(0, -1) : r;
}

function collect(rings: Ring[]): { edges: Edge[]; horizontals: Horizontal[] } {
  const edges: Edge[] = [];
  const horizontals: Horizontal[] = [];
  for (const raw of rings) {
    const r = openRing(raw);
    for (let i = 0; i < r.length; i++) {
      const [xa, ya] = r[i === 0 ? r.length - 1 : i - 1];
      const [xb, yb] = r[i];
      if (ya === yb) {
        // GDAL fills a horizontal edge lying exactly on a scanline when it runs right to left.
        if (xa > xb) horizontals.push({ y: ya, xa: xb, xb: xa });
        continue;
      }
      if (ya < yb) edges.push({ y0: ya, y1: yb, x0: xa, slope: (xb - xa) / (yb - ya), dir: 1 });
      else edges.push({ y0: yb, y1: ya, x0: xb, slope: (xa - xb) / (ya - yb), dir: -1 });
    }
  }
  edges.sort((a, b) => a.y0 - b.y0);
  return { edges, horizontals };
}

function partsOf(geom: PolygonGeometry): Ring[][] {
  return geom.type === 'Polygon' ? [[...geom.coordinates]] : (geom.coordinates as readonly PolygonCoords[]).map((p) => [...p]);
}

/**
 * Rasterizes a polygon given in pixel coordinates (column, row; (0,0) = outer corner of the first pixel) over a
 * window; returns window.width × window.height bytes, 1 inside.
 */
export function rasterizePixels(geom: PolygonGeometry, window: PixelWindow, rule: FillRule = 'evenodd'): Uint8Array {
  const mask = new Uint8Array(window.width * window.height);
  for (const rings of partsOf(geom)) burnPart(mask, rings, window, rule);
  return mask;
}

function burnPart(mask: Uint8Array, rings: Ring[], window: PixelWindow, rule: FillRule): void {
  const { x: wx, y: wy, width: W, height: H } = window;
  const { edges, horizontals } = collect(rings);
  const active: Edge[] = [];
  let next = 0;
  const xs: number[] = [];
  const dirs: number[] = [];
  const order: number[] = [];
  for (let j = 0; j < H; j++) {
    const row = wy + j;
    const yc = row + 0.5;
    while (next < edges.length && edges[next].y0 <= yc) active.push(edges[next++]);
    xs.length = 0;
    dirs.length = 0;
    for (let e = active.length - 1; e >= 0; e--) {
      const edge = active[e];
      if (edge.y1 <= yc) {
        active.splice(e, 1);
        continue;
      }
      xs.push(Math.floor(edge.x0 + (yc - edge.y0) * edge.slope + 0.5));
      dirs.push(edge.dir);
    }
    const line = j * W;
    const fill = (k0: number, k1: number): void => {
      const a = Math.max(k0 - wx, 0);
      const b = Math.min(k1 - wx, W);
      if (b > a) mask.fill(1, line + a, line + b);
    };
    if (xs.length > 0) {
      order.length = 0;
      for (let i = 0; i < xs.length; i++) order.push(i);
      order.sort((a, b) => xs[a] - xs[b]);
      if (rule === 'evenodd') {
        for (let i = 0; i + 1 < order.length; i += 2) fill(xs[order[i]], xs[order[i + 1]]);
      } else {
        let winding = 0;
        for (let i = 0; i < order.length; i++) {
          const before = winding;
          winding += dirs[order[i]];
          if (before !== 0 && i > 0) fill(xs[order[i - 1]], xs[order[i]]);
        }
      }
    }
    for (const h of horizontals) if (h.y === yc) fill(Math.floor(h.xa + 0.5), Math.floor(h.xb + 0.5));
  }
}

/** The polygon's vertices mapped from CRS coordinates to pixel coordinates through the raster's geotransform. */
export function toPixelSpace(geom: PolygonGeometry, transform: GeoTransform): PolygonGeometry {
  const inv = invertGeoTransform(transform);
  const ring = (r: Ring): [number, number][] => r.map(([x, y]) => [inv[0] + x * inv[1] + y * inv[2], inv[3] + x * inv[4] + y * inv[5]]);
  if (geom.type === 'Polygon') return { type: 'Polygon', coordinates: geom.coordinates.map(ring) };
  return { type: 'MultiPolygon', coordinates: (geom.coordinates as readonly PolygonCoords[]).map((p) => p.map(ring)) };
}

/** Rasterizes a polygon given in the raster's CRS over a pixel window of that raster. */
export function rasterizePolygon(
  geom: PolygonGeometry, transform: GeoTransform, window: PixelWindow, rule: FillRule = 'evenodd',
): Uint8Array {
  return rasterizePixels(toPixelSpace(geom, transform), window, rule);
}
