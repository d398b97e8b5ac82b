// Areas of interest from GeoJSON: a Polygon/MultiPolygon geometry, a Feature or a FeatureCollection of them
// (unioned into one MultiPolygon). Coordinates are WGS 84 longitude/latitude (RFC 7946) unless the object has
// a legacy "crs" member (GeoJSON 2008), which GDAL and QGIS still write.
import { InvalidArgumentError, SatError } from '../../shared/errors';
import type { CrsInfo, PolygonCoords, PolygonGeometry } from '../../shared/geometry';
import { parseCrs, WGS84 } from './crs';

export interface Aoi {
  readonly geometry: PolygonGeometry;
  readonly crs: CrsInfo;
}

function bad(source: string, what: string): InvalidArgumentError {
  return new InvalidArgumentError(`The AOI ${source} is not usable: ${what}.`,
    'Give a GeoJSON Polygon or MultiPolygon (or a Feature/FeatureCollection of them), in WGS 84 lon/lat unless it has a "crs" member.');
}

function polygon(coords: unknown, source: string): PolygonCoords {
  if (!Array.isArray(coords) || coords.length === 0) throw bad(source, 'a polygon has no rings');
  return coords.map((ring: unknown) => {
    if (!Array.isArray(ring)) throw bad(source, 'a ring is not an array of positions');
    const pts = ring.map((p: unknown) => {
      if (!Array.isArray(p) || p.length < 2 || typeof p[0] !== 'number' || typeof p[1] !== 'number' || !Number.isFinite(p[0]) || !Number.isFinite(p[1])) {
        throw bad(source, `a position is not [x, y] numbers (${JSON.stringify(p)?.slice(0, 40)})`);
      }
      return [p[0], p[1]] as const;
    });
    const distinct = new Set(pts.map(([x, y]) => `${x},${y}`));
    if (distinct.size < 3) throw bad(source, 'a ring has fewer than 3 distinct positions');
    return pts;
  });
}

function polygonsOf(g: any, source: string): PolygonCoords[] {
  if (!g || typeof g !== 'object') throw bad(source, 'a geometry is missing');
  switch (g.type) {
    case 'Polygon': return [polygon(g.coordinates, source)];
    case 'MultiPolygon':
      if (!Array.isArray(g.coordinates)) throw bad(source, 'MultiPolygon coordinates are not an array');
      return g.coordinates.map((p: unknown) => polygon(p, source));
    case 'GeometryCollection': return (g.geometries ?? []).flatMap((x: unknown) => polygonsOf(x, source));
    case 'Feature': return polygonsOf(g.geometry, source);
    case 'FeatureCollection':
      if (!Array.isArray(g.features)) throw bad(source, 'the FeatureCollection has no features array');
      return g.features.flatMap((f: unknown) => polygonsOf(f, source));
    default: throw bad(source, `it contains a ${String(g.type)} geometry, not polygons`);
  }
}

export function parseAoi(text: string, source = 'GeoJSON'): Aoi {
  let doc: any;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw bad(source, `it is not valid JSON (${(e as Error).message})`);
  }
  const polys = polygonsOf(doc, source);
  if (polys.length === 0) throw bad(source, 'it contains no polygon');
  let crs = WGS84;
  const name = doc?.crs?.properties?.name;
  if (typeof name === 'string') {
    try {
      crs = parseCrs(name);
    } catch (e) {
      if (e instanceof SatError) throw bad(source, `its crs "${name}" is unknown`);
      throw e;
    }
  }
  const geometry: PolygonGeometry = polys.length === 1 ? { type: 'Polygon', coordinates: polys[0] } : { type: 'MultiPolygon', coordinates: polys };
  return { geometry, crs };
}
