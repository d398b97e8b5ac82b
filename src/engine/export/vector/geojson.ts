// GeoJSON as RFC 7946 wants it: WGS 84 longitude/latitude (reprojected from the raster's CRS with edges
// densified, so long simplified edges follow the projection), exterior rings counter-clockwise and holes
// clockwise (the right-hand rule), no "crs" member, 7 decimals (~1 cm).
import { writeFileSync } from 'node:fs';
import { throwIfCancelled, UnknownCrsError } from '../../../shared/errors';
import type { CrsInfo } from '../../../shared/geometry';
import { WGS84 } from '../../geo/crs';
import { transformPoints } from '../../geo/reproject';
import { writeAtomically } from '../atomic';
import { orientRings, type VectorFeature } from './features';

export interface GeoJsonOptions {
  readonly crs: CrsInfo | null;
  /** Largest edge length in CRS units before reprojection adds points along it. Default: no densification. */
  readonly densifyLength?: number;
  readonly signal?: AbortSignal;
}

const round7 = (v: number) => Math.round(v * 1e7) / 1e7;

function densify(ring: [number, number][], maxLen: number | undefined): [number, number][] {
  if (!maxLen || !(maxLen > 0)) return ring;
  const out: [number, number][] = [];
  for (let i = 0; i + 1 < ring.length; i++) {
    const [x1, y1] = ring[i], [x2, y2] = ring[i + 1];
    const n = Math.max(1, Math.ceil(Math.hypot(x2 - x1, y2 - y1) / maxLen));
    for (let k = 0; k < n; k++) out.push([x1 + ((x2 - x1) * k) / n, y1 + ((y2 - y1) * k) / n]);
  }
  out.push(ring[ring.length - 1]);
  return out;
}

export function featureToGeoJson(f: VectorFeature, crs: CrsInfo, densifyLength?: number): object {
  const rings = f.rings.map((r) => transformPoints(crs, WGS84, densify(r.map((p) => [p[0], p[1]] as [number, number]), densifyLength)).map(([x, y]) => [round7(x), round7(y)] as [number, number]));
  return { type: 'Feature', properties: { ...f.attributes }, geometry: { type: 'Polygon', coordinates: orientRings(rings, true) } };
}

export async function writeGeoJson(path: string, features: readonly VectorFeature[], o: GeoJsonOptions): Promise<{ path: string; features: number }> {
  if (!o.crs) throw new UnknownCrsError('of the raster (it has none)', 'GeoJSON is always WGS 84 longitude/latitude: georeference the raster first, or export a GeoPackage/Shapefile in pixel coordinates.');
  const parts: string[] = [];
  for (let i = 0; i < features.length; i++) {
    if (i % 1000 === 0) throwIfCancelled(o.signal, 'Writing the GeoJSON');
    parts.push(JSON.stringify(featureToGeoJson(features[i], o.crs, o.densifyLength)));
  }
  await writeAtomically([path], ([tmp]) => writeFileSync(tmp, `{"type":"FeatureCollection","features":[\n${parts.join(',\n')}\n]}\n`));
  return { path, features: features.length };
}
