// The reader contract every raster format implements (GeoTIFF/BigTIFF/COG, PNG, JPEG). Callers see one shape:
// a RasterInfo and windowed reads in full-resolution pixel space, whatever the file's layout or overviews.
import type { PixelWindow } from '../../shared/geometry';
import type { RasterDataType, RasterInfo } from '../../shared/raster';

export type TypedArray =
  | Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array;

export type Resampling = 'nearest' | 'bilinear' | 'average';

export interface ReadRequest {
  /** Full-resolution pixel space; may extend past the edges (those pixels are filled with nodata, or 0, and masked). */
  readonly window: PixelWindow;
  /** 0-based band indices, any order, repeats allowed; default all bands. */
  readonly bands?: readonly number[];
  /** 0 = full resolution, k = k-th overview (1-based, finest first); 'auto' picks the coarsest level that is still
   *  at least as fine as the output grid. Default: 'auto' when outWidth/outHeight are given, else 0. */
  readonly overview?: number | 'auto';
  /** Resample the window to this size (default: the window's size at the chosen level). */
  readonly outWidth?: number;
  readonly outHeight?: number;
  /** Default 'nearest'. */
  readonly resampling?: Resampling;
  readonly signal?: AbortSignal;
}

export interface RasterBlock {
  readonly width: number;
  readonly height: number;
  readonly dataType: RasterDataType;
  /** One row-major array of width×height values per requested band, in request order. */
  readonly bands: TypedArray[];
  /** width×height; 1 = valid pixel (inside the raster, not nodata/NaN, not masked by an alpha band or internal mask). */
  readonly valid: Uint8Array;
}

export interface RasterSource {
  readonly info: RasterInfo;
  read(req: ReadRequest): Promise<RasterBlock>;
  close(): Promise<void>;
}
