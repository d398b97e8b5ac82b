// What every vector export writes: one feature per connected region of a class mask, in the raster's CRS,
// with the attributes a GIS user filters and styles by, and the provenance that says where it came from.
import type { GeoTransform, PolygonCoords } from '../../../shared/geometry';
import type { ClassInfo } from '../../../shared/jobs';

export interface VectorProvenance {
  /** The source raster (path or name). */
  readonly source: string;
  /** Backbone / model id. */
  readonly model: string;
  /** Head id. */
  readonly head: string;
}

/** Attribute names are ≤ 10 characters so they survive the Shapefile's dBASE table unchanged. */
export interface ClassAttributes {
  readonly class_id: number;
  readonly class_name: string;
  /** Area in CRS units squared (m² for metric CRSs), of the unsimplified region. */
  readonly area: number;
  /** Mean probability of the class over the region's pixels (0–1); null without probabilities. */
  readonly mean_prob: number | null;
  readonly source: string;
  readonly model: string;
  readonly head: string;
}

export interface VectorFeature {
  /** Polygon in the raster's CRS: outer ring then holes, rings closed. */
  readonly rings: PolygonCoords;
  readonly attributes: ClassAttributes;
}

export const ATTRIBUTE_FIELDS = ['class_id', 'class_name', 'area', 'mean_prob', 'source', 'model', 'head'] as const;

export function classNameOf(classes: readonly ClassInfo[], id: number): string {
  return classes.find((c) => c.id === id)?.name ?? `class ${id}`;
}

export function applyTransform(t: GeoTransform, col: number, row: number): [number, number] {
  return [t[0] + col * t[1] + row * t[2], t[3] + col * t[4] + row * t[5]];
}

/** Signed area (shoelace); positive = counter-clockwise with y up. */
export function signedArea(ring: ReadonlyArray<readonly [number, number]>): number {
  let s = 0;
  for (let i = 0; i + 1 < ring.length; i++) s += ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1];
  return s / 2;
}

/** Rings oriented: outer counter-clockwise and holes clockwise (ccwOuter), or the reverse. */
export function orientRings(rings: PolygonCoords, ccwOuter: boolean): [number, number][][] {
  return rings.map((r, i) => {
    const ring = r.map((p) => [p[0], p[1]] as [number, number]);
    const ccw = signedArea(ring) > 0;
    const wantCcw = i === 0 ? ccwOuter : !ccwOuter;
    return ccw === wantCcw ? ring : ring.reverse();
  });
}

export function bboxOf(rings: PolygonCoords): [number, number, number, number] {
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (const r of rings) for (const [x, y] of r) {
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  return [minX, minY, maxX, maxY];
}
