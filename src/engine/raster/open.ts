// Entry point of the raster engine: open any supported raster file by path.
import type { RasterSource } from './source';

export type { RasterSource, ReadRequest, RasterBlock, Resampling, TypedArray } from './source';

export interface OpenOptions {
  readonly signal?: AbortSignal;
  /** Bytes of decoded blocks kept per open raster (default 64 MiB). */
  readonly cacheBytes?: number;
}

export async function openRaster(path: string, opts: OpenOptions = {}): Promise<RasterSource> {
  const { openRasterFile } = await import('./openFile');
  return openRasterFile(path, opts);
}
