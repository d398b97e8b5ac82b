// Class mask → vector features: polygonize (exact pixel edges), drop regions under the minimum area,
// simplify shared boundaries once (topology kept, default tolerance 1.5 pixels), map pixel corners to CRS
// coordinates, and attach class, area, mean probability and provenance.
import { InvalidArgumentError } from '../../../shared/errors';
import type { GeoTransform } from '../../../shared/geometry';
import type { ClassInfo } from '../../../shared/jobs';
import { polygonizeWithNodes, type Connectivity } from '../../geo/polygonize';
import { simplifyPolygons } from '../../geo/simplify';
import { applyTransform, classNameOf, type VectorFeature, type VectorProvenance } from './features';

export interface MaskToFeaturesOptions {
  readonly width: number;
  readonly height: number;
  readonly transform: GeoTransform;
  readonly classes: readonly ClassInfo[];
  readonly provenance: VectorProvenance;
  /** Per-pixel probability of the pixel's class (0–1 floats, or bytes with probabilityScale 1/255). */
  readonly probability?: ArrayLike<number>;
  readonly probabilityScale?: number;
  readonly nodata?: number | null;
  readonly connectivity?: Connectivity;
  /** In pixels; 0 disables. Default 1.5. */
  readonly simplifyPixels?: number;
  /** Regions smaller than this (CRS units², e.g. m²) are dropped. Default 0. */
  readonly minArea?: number;
  readonly signal?: AbortSignal;
}

export function maskToFeatures(mask: ArrayLike<number>, o: MaskToFeaturesOptions): VectorFeature[] {
  const tol = o.simplifyPixels ?? 1.5;
  if (!(tol >= 0)) throw new InvalidArgumentError(`Simplification tolerance ${tol} must be ≥ 0 pixels.`, 'Use 0 for exact pixel edges, ~1.5 for smooth outlines.');
  const minArea = o.minArea ?? 0;
  if (!(minArea >= 0)) throw new InvalidArgumentError(`Minimum area ${minArea} must be ≥ 0.`, 'Give the area in the CRS units squared (m² for metric rasters).');
  const pixelArea = Math.abs(o.transform[1] * o.transform[5] - o.transform[2] * o.transform[4]);
  const { polygons, nodes } = polygonizeWithNodes(mask, o.width, o.height, {
    connectivity: o.connectivity ?? 4,
    nodata: o.nodata === undefined ? 255 : o.nodata,
    weights: o.probability,
    keepNodes: tol > 0,
    signal: o.signal,
  });
  // Simplify before filtering so the shared arcs of kept regions stay matched to dropped ones' neighbours.
  const shaped = tol > 0 ? simplifyPolygons(polygons, { tolerance: tol, nodes: nodes!, width: o.width }) : polygons;
  const scale = o.probabilityScale ?? 1;
  const out: VectorFeature[] = [];
  for (const p of shaped) {
    const area = p.pixels * pixelArea;
    if (area < minArea) continue;
    out.push({
      rings: p.rings.map((r) => r.map(([c, row]) => applyTransform(o.transform, c, row))),
      attributes: {
        class_id: p.value,
        class_name: classNameOf(o.classes, p.value),
        area,
        mean_prob: o.probability ? (p.weightSum * scale) / p.pixels : null,
        source: o.provenance.source,
        model: o.provenance.model,
        head: o.provenance.head,
      },
    });
  }
  return out;
}
