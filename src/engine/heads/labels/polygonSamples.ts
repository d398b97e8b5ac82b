// Image-level labels from polygons with a class attribute: each polygon becomes one classification sample, the
// square window around it on the raster's grid (at least 16 px, clipped to the raster), labelled with its class.
import { InvalidArgumentError } from '../../../shared/errors';
import type { MultiPolygonCoords, PolygonGeometry } from '../../../shared/geometry';
import type { RasterInfo } from '../../../shared/raster';
import { sameCrs } from '../../geo/crs';
import { toPixelSpace } from '../../geo/rasterize';
import { reprojectPolygon } from '../../geo/reproject';
import type { ClassDef, ClsSample } from '../dataset/manifest';
import { classIdsOf, readLabelPolygons } from './vectorLabels';

const MIN_SIDE = 16;

export function polygonSamples(raster: string, labels: string, info: RasterInfo, o: { classField?: string; classes?: readonly ClassDef[] | null } = {}): { samples: ClsSample[]; names: Map<number, string> } {
  const lp = readLabelPolygons(labels, { classField: o.classField });
  const { ids, names } = classIdsOf(lp.polygons.map((p) => p.value), o.classes ?? null, lp.polygons.map((p) => p.name));
  const samples: ClsSample[] = [];
  lp.polygons.forEach((p, i) => {
    let g: PolygonGeometry = p.geometry;
    if (info.georeferenced && info.crs) {
      if (!sameCrs(lp.crs, info.crs)) g = reprojectPolygon(g, lp.crs, info.crs);
      g = toPixelSpace(g, info.transform);
    }
    const rings = g.type === 'Polygon' ? g.coordinates : (g.coordinates as MultiPolygonCoords).flat();
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (const r of rings) for (const [x, y] of r) { x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y); }
    const side = Math.min(Math.max(MIN_SIDE, Math.ceil(Math.max(x1 - x0, y1 - y0))), info.width, info.height);
    const cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
    const x = Math.min(Math.max(0, Math.round(cx - side / 2)), info.width - side);
    const y = Math.min(Math.max(0, Math.round(cy - side / 2)), info.height - side);
    if (x1 < 0 || y1 < 0 || x0 > info.width || y0 > info.height) return;
    samples.push({ raster, classId: ids[i]!, window: { x, y, width: side, height: side } });
  });
  if (samples.length === 0) throw new InvalidArgumentError(`None of the polygons in "${labels}" lies on "${raster}".`, 'Check the labels\' CRS (GeoJSON without "crs" is WGS 84).');
  return { samples, names };
}
