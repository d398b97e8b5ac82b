// Entry point of the raster engine: open any supported raster file by path (format sniffed from its bytes).
import { openRasterFile } from './openFile';
import type { RasterSource } from './source';

export type { RasterSource, ReadRequest, RasterBlock, Resampling, TypedArray } from './source';

export interface OpenOptions {
  readonly signal?: AbortSignal;
  /** Bytes of decoded blocks kept per open raster (default 64 MiB): the memory bound of reads. */
  readonly cacheBytes?: number;
}

/**
 * Opens a GeoTIFF / BigTIFF / COG (ranged reads; only the header, IFDs and the blocks a read touches are
 * loaded), or a PNG / JPEG (decoded whole, georeferenced by a world file if there is one).
 * Throws FileNotFoundError, CorruptRasterError, UnsupportedRasterError, AbsurdSizeError or CancelledError.
 */
export function openRaster(path: string, opts: OpenOptions = {}): Promise<RasterSource> {
  return openRasterFile(path, opts);
}
