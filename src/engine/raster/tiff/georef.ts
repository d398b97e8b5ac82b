// The affine geotransform from GeoTIFF tags, as GDAL derives it: ModelTransformation, or one tie point plus
// ModelPixelScale; PixelIsPoint rasters are shifted by half a pixel so that (0, 0) is always the outer corner.
import type { GeoTransform } from '../../../shared/geometry';
import { GeoKey, RasterType, keyNumber, type GeoKeyValue } from './geokeys';
import type { TagValue } from './structure';
import { Tag } from './tags';

export interface Georef {
  readonly transform: GeoTransform | null;
  readonly pixelIsPoint: boolean;
  readonly notes: string[];
}

const finite = (t: readonly number[]): boolean => t.every(Number.isFinite);
const degenerate = (t: GeoTransform): boolean => Math.abs(t[1] * t[5] - t[2] * t[4]) < 1e-300;

export function georefFromTags(values: ReadonlyMap<number, TagValue>, keys: ReadonlyMap<number, GeoKeyValue>): Georef {
  const notes: string[] = [];
  const pixelIsPoint = keyNumber(keys, GeoKey.GTRasterType) === RasterType.PixelIsPoint;
  const m = values.get(Tag.ModelTransformation);
  const tie = values.get(Tag.ModelTiepoint);
  const scale = values.get(Tag.ModelPixelScale);
  let t: GeoTransform | null = null;
  if (m instanceof Float64Array && m.length >= 16) {
    t = [m[3], m[0], m[1], m[7], m[4], m[5]];
  } else if (tie instanceof Float64Array && tie.length >= 6 && scale instanceof Float64Array && scale.length >= 2) {
    if (tie.length > 6) notes.push(`${tie.length / 6} tie points with a pixel scale: only the first is used, as GDAL does`);
    const [i, j, , x, y] = tie;
    t = [x - i * scale[0], scale[0], 0, y + j * scale[1], 0, -scale[1]];
  } else if (tie instanceof Float64Array && tie.length >= 6) {
    notes.push(`georeferenced by ${Math.floor(tie.length / 6)} ground control points only; warp it first (gdalwarp) to use it as a map`);
  }
  if (t && (!finite(t) || degenerate(t))) {
    notes.push(`the geotransform [${t.join(', ')}] is not usable`);
    t = null;
  }
  if (t && pixelIsPoint) {
    t = [t[0] - (t[1] + t[2]) * 0.5, t[1], t[2], t[3] - (t[4] + t[5]) * 0.5, t[4], t[5]];
  }
  return { transform: t, pixelIsPoint, notes };
}
