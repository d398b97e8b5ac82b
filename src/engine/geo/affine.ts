// GDAL-order affine geotransforms: pixel (col, row) ↔ CRS (x, y), inversion, and the transforms of windows and
// overview levels. (col, row) are pixel-space coordinates: (0, 0) is the outer corner of the first pixel.
import { InvalidArgumentError } from '../../shared/errors';
import type { CrsPoint, GeoTransform, PixelPoint, PixelWindow } from '../../shared/geometry';
import { crsPoint, pixelPoint } from '../../shared/geometry';

export function pixelToCrs(t: GeoTransform, p: PixelPoint | readonly [number, number]): CrsPoint {
  const [c, r] = p;
  return crsPoint(t[0] + c * t[1] + r * t[2], t[3] + c * t[4] + r * t[5]);
}

export function invertGeoTransform(t: GeoTransform): GeoTransform {
  const det = t[1] * t[5] - t[2] * t[4];
  if (!Number.isFinite(det) || Math.abs(det) < 1e-300) {
    throw new InvalidArgumentError(`The geotransform [${t.join(', ')}] is degenerate (it maps the raster onto a line).`,
      'Fix the georeferencing, e.g. with gdal_edit.py -a_ullr or gdal_translate -a_ullr.');
  }
  const i1 = t[5] / det;
  const i2 = -t[2] / det;
  const i4 = -t[4] / det;
  const i5 = t[1] / det;
  return [-t[0] * i1 - t[3] * i2, i1, i2, -t[0] * i4 - t[3] * i5, i4, i5];
}

export function crsToPixel(t: GeoTransform, p: CrsPoint | readonly [number, number]): PixelPoint {
  const inv = invertGeoTransform(t);
  const [x, y] = p;
  return pixelPoint(inv[0] + x * inv[1] + y * inv[2], inv[3] + x * inv[4] + y * inv[5]);
}

/** The transform of a window's own pixel grid (its pixel (0, 0) is the window's top-left pixel). */
export function windowTransform(t: GeoTransform, w: Pick<PixelWindow, 'x' | 'y'>): GeoTransform {
  const [x, y] = pixelToCrs(t, [w.x, w.y]);
  return [x, t[1], t[2], y, t[4], t[5]];
}

/** The transform of a grid whose pixels are `fx` × `fy` times the size of t's (e.g. an overview level). */
export function scaleTransform(t: GeoTransform, fx: number, fy: number): GeoTransform {
  return [t[0], t[1] * fx, t[2] * fy, t[3], t[4] * fx, t[5] * fy];
}

export const isNorthUp = (t: GeoTransform): boolean => t[2] === 0 && t[4] === 0;
