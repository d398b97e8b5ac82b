// Coordinates in the three spaces that meet in this code base, branded so they cannot be mixed by accident:
// map/CRS coordinates, raster pixel coordinates (column, row; origin at the top-left corner of the top-left
// pixel), and latent cells (pixel / 8 for the autoencoders used here).

declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

/** [x, y] in the units of a CRS (metres, degrees...). */
export type CrsPoint = Brand<readonly [number, number], 'crs'>;
/** [column, row] in raster pixel space; pixel (0,0) covers [0,1)×[0,1). */
export type PixelPoint = Brand<readonly [number, number], 'pixel'>;
/** [column, row] in latent space (one cell per 8×8 pixels). */
export type LatentPoint = Brand<readonly [number, number], 'latent'>;

export const crsPoint = (x: number, y: number): CrsPoint => [x, y] as unknown as CrsPoint;
export const pixelPoint = (col: number, row: number): PixelPoint => [col, row] as unknown as PixelPoint;
export const latentPoint = (col: number, row: number): LatentPoint => [col, row] as unknown as LatentPoint;

/**
 * GDAL geotransform: x = t[0] + col·t[1] + row·t[2]; y = t[3] + col·t[4] + row·t[5].
 * (col, row) is a pixel-space point, so (0, 0) is the outer corner of the first pixel.
 */
export type GeoTransform = readonly [number, number, number, number, number, number];

/** A rectangle of pixels: columns [x, x+width), rows [y, y+height). */
export interface PixelWindow {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** GeoJSON-style rings: first ring outer, the others holes; each ring closed or open. */
export type Ring = ReadonlyArray<readonly [number, number]>;
export type PolygonCoords = ReadonlyArray<Ring>;
export type MultiPolygonCoords = ReadonlyArray<PolygonCoords>;

export type PolygonGeometry =
  | { readonly type: 'Polygon'; readonly coordinates: PolygonCoords }
  | { readonly type: 'MultiPolygon'; readonly coordinates: MultiPolygonCoords };

/** A CRS as the engine knows it: an EPSG code when there is one, and always a definition proj4 can use. */
export interface CrsInfo {
  readonly epsg: number | null;
  /** proj4 definition string (or WKT that proj4 accepts). */
  readonly definition: string;
  readonly name: string;
  readonly units: 'm' | 'degree' | 'ft' | 'us-ft' | 'unknown';
}
