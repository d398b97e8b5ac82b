import type { CrsInfo, GeoTransform } from './geometry';

export type RasterDataType = 'uint8' | 'int8' | 'uint16' | 'int16' | 'uint32' | 'int32' | 'float32' | 'float64';

export interface OverviewInfo {
  readonly width: number;
  readonly height: number;
}

/** What `satdifuser info --json` prints and what the app shows for a raster layer. */
export interface RasterInfo {
  readonly path: string;
  readonly width: number;
  readonly height: number;
  readonly bands: number;
  readonly dataType: RasterDataType;
  readonly nodata: number | null;
  /** EPSG code of the CRS, null when the CRS is user-defined or missing. */
  readonly epsg: number | null;
  /** null when the file has no georeferencing (then it is a pixel raster). */
  readonly crs: CrsInfo | null;
  readonly georeferenced: boolean;
  readonly transform: GeoTransform;
  /** [x, y] pixel size in CRS units (y is usually negative for north-up rasters). */
  readonly pixelSize: readonly [number, number];
  /** [x, y] of the outer top-left corner. */
  readonly origin: readonly [number, number];
  readonly overviews: readonly OverviewInfo[];
  readonly blockSize: readonly [number, number];
  readonly tiled: boolean;
  readonly compression: string;
  readonly bigTiff: boolean;
  readonly bandNames: readonly (string | null)[];
  readonly interleave: 'pixel' | 'band';
  readonly format: 'GeoTIFF' | 'PNG' | 'JPEG';
  /** Which pixels reads mark invalid: nodata value, an alpha band, an internal (GDAL) mask, or none. */
  readonly mask: 'none' | 'nodata' | 'alpha' | 'internal';
  /** Things a user should know (no georeferencing, a CRS that could not be resolved, ignored tags...). */
  readonly notes: readonly string[];
}
