// Reprojection of points and polygons between CRSs (proj4). Polygon edges are densified first, because a
// straight edge in one CRS is a curve in another: an AOI drawn in lon/lat and reprojected by its corners alone
// would miss slivers of the area it covers.
import proj4 from 'proj4';
import { InvalidArgumentError } from '../../shared/errors';
import type { CrsInfo, MultiPolygonCoords, PolygonCoords, PolygonGeometry, Ring } from '../../shared/geometry';
import { sameCrs } from './crs';

type Pt = readonly [number, number];

const converters = new Map<string, proj4.Converter>();

function converter(from: CrsInfo, to: CrsInfo): proj4.Converter {
  const key = `${from.definition}\u0000${to.definition}`;
  let c = converters.get(key);
  if (!c) {
    c = proj4(from.definition, to.definition);
    converters.set(key, c);
  }
  return c;
}

/** Transforms [x, y] points (x = easting or longitude). Throws when a point has no image in the target CRS. */
export function transformPoints(from: CrsInfo, to: CrsInfo, points: readonly Pt[]): [number, number][] {
  if (sameCrs(from, to)) return points.map(([x, y]) => [x, y]);
  const c = converter(from, to);
  return points.map(([x, y]) => {
    const out = c.forward([x, y]);
    if (!Number.isFinite(out[0]) || !Number.isFinite(out[1])) {
      throw new InvalidArgumentError(
        `The point (${x}, ${y}) in ${from.name} has no position in ${to.name}.`,
        'Check the coordinates and their CRS (GeoJSON without a crs member is WGS 84 longitude, latitude).',
        { x, y, from: from.name, to: to.name },
      );
    }
    return [out[0], out[1]];
  });
}

export function transformPoint(from: CrsInfo, to: CrsInfo, p: Pt): [number, number] {
  return transformPoints(from, to, [p])[0];
}

/** Inserts `segments - 1` evenly spaced points on every edge of a ring (closing edge included if the ring is open). */
export function densifyRing(ring: Ring, segments: number): [number, number][] {
  const pts = ring.length > 1 && ring[0][0] === ring[ring.length - 1][0] && ring[0][1] === ring[ring.length - 1][1]
    ? ring.slice(0, -1) : ring.slice();
  const out: [number, number][] = [];
  for (let i = 0; i < pts.length; i++) {
    const [x0, y0] = pts[i];
    const [x1, y1] = pts[(i + 1) % pts.length];
    for (let k = 0; k < segments; k++) out.push([x0 + ((x1 - x0) * k) / segments, y0 + ((y1 - y0) * k) / segments]);
  }
  if (out.length > 0) out.push([out[0][0], out[0][1]]);
  return out;
}

export interface ReprojectOptions {
  /** Segments each edge is cut into before transforming (default 20, as GDAL's transform_bounds densifies). */
  readonly segments?: number;
}

export function reprojectPolygon(geom: PolygonGeometry, from: CrsInfo, to: CrsInfo, opts: ReprojectOptions = {}): PolygonGeometry {
  const segments = Math.max(1, Math.floor(opts.segments ?? 20));
  const identity = sameCrs(from, to);
  const ring = (r: Ring): [number, number][] => (identity ? r.map(([x, y]) => [x, y] as [number, number]) : transformPoints(from, to, densifyRing(r, segments)));
  const poly = (p: PolygonCoords): [number, number][][] => p.map(ring);
  if (geom.type === 'Polygon') return { type: 'Polygon', coordinates: poly(geom.coordinates) };
  return { type: 'MultiPolygon', coordinates: (geom.coordinates as MultiPolygonCoords).map(poly) };
}
