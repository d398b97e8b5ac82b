// Raster footprints from the GeoTransform (GDAL order), in the raster's own CRS.
import type { GeoTransform } from '../../shared/geometry';

export function rasterExtent(t: GeoTransform, width: number, height: number): [number, number, number, number] {
  const corners = [[0, 0], [width, 0], [0, height], [width, height]].map(([c, r]) => [t[0] + c! * t[1] + r! * t[2], t[3] + c! * t[4] + r! * t[5]] as const);
  const xs = corners.map((p) => p[0]);
  const ys = corners.map((p) => p[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}
