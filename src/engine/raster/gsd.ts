// Output sizes for a target ground sample distance: the outWidth/outHeight that resample a full-resolution
// window to `gsd` CRS units per pixel (e.g. a 0.6 m aerial scene read at the 1 m a model was trained on).
import { InvalidArgumentError } from '../../shared/errors';
import type { PixelWindow } from '../../shared/geometry';
import type { RasterInfo } from '../../shared/raster';

export function outSizeForGsd(info: RasterInfo, window: PixelWindow, gsd: number | readonly [number, number]): { outWidth: number; outHeight: number } {
  const [gx, gy] = typeof gsd === 'number' ? [gsd, gsd] : gsd;
  if (!(gx > 0 && gy > 0 && Number.isFinite(gx) && Number.isFinite(gy))) {
    throw new InvalidArgumentError(`The target ground sample distance must be positive, not ${String(gsd)}.`);
  }
  // Pixel footprint along each image axis (the transform may be rotated).
  const t = info.transform;
  const px = Math.hypot(t[1], t[4]);
  const py = Math.hypot(t[2], t[5]);
  return {
    outWidth: Math.max(1, Math.round((window.width * px) / gx)),
    outHeight: Math.max(1, Math.round((window.height * py) / gy)),
  };
}
