// A CrsRef from the UI ('EPSG:<code>' or a proj4/WKT definition) resolved to something proj4 accepts.
import proj4 from 'proj4';
import { isPixelCrs } from '../../shared/contract';
import { InvalidArgumentError, UnknownCrsError } from '../../shared/errors';
import type { CrsInfo } from '../../shared/geometry';
import type { RasterInfo } from '../../shared/raster';
import { parseCrs, WGS84 } from '../geo/crs';
import { lookupEpsg } from '../geo/epsg';

const cache = new Map<string, string>();

export type EpsgLookup = (code: number) => string | null;

// The raster engine's bundled EPSG table: every code a GeoTIFF can carry resolves offline.
let epsgLookup: EpsgLookup = (code) => lookupEpsg(code)?.definition ?? null;

/** Replaces the EPSG lookup (tests). */
export function setEpsgLookup(lookup: EpsgLookup): void {
  epsgLookup = lookup;
  cache.clear();
}

/** Makes a CRS met in a file (a raster's definition) resolvable by its EPSG code for the rest of the session. */
export function rememberCrs(epsg: number, definition: string): void {
  const key = `EPSG:${epsg}`;
  if (!cache.has(key) && !proj4.defs(key)) cache.set(key, definition);
}

function noCrs(): InvalidArgumentError {
  return new InvalidArgumentError('Pixel coordinates (of a raster without georeferencing) cannot be reprojected to or from a map CRS.',
    'Keep layers without georeferencing in a project of their own, or georeference the image first (gdal_translate -a_srs … -a_ullr …, or a world file).');
}

export function resolveCrs(ref: string): string {
  if (isPixelCrs(ref)) throw noCrs();
  const hit = cache.get(ref);
  if (hit) return hit;
  let def: string | null;
  const m = /^\s*(?:EPSG|urn:ogc:def:crs:EPSG:[0-9.]*:)\s*:?\s*(\d+)\s*$/i.exec(ref);
  if (m) {
    const code = Number(m[1]);
    def = proj4.defs(`EPSG:${code}`) ? `EPSG:${code}` : epsgLookup(code);
    if (!def) throw new UnknownCrsError(`EPSG:${code}`, 'This EPSG code is not in the bundled CRS table; reproject the data to a common CRS with GDAL (gdalwarp / ogr2ogr -t_srs).');
  } else if (/^\s*(urn:ogc:def:crs:OGC:1\.3:CRS84|CRS84|OGC:CRS84)\s*$/i.test(ref)) {
    def = 'EPSG:4326';
  } else {
    try {
      proj4(ref, 'EPSG:4326');
      def = ref;
    } catch {
      throw new UnknownCrsError(`"${ref.slice(0, 80)}"`, 'Use an EPSG code or a proj4 definition.');
    }
  }
  cache.set(ref, def);
  return def;
}

/** A point transformer between two CrsRefs; the identity when both resolve to the same definition. */
export function transformer(from: string, to: string): (xy: readonly [number, number]) => [number, number] {
  if (isPixelCrs(from) && isPixelCrs(to)) return (xy) => [xy[0], xy[1]];
  const a = resolveCrs(from);
  const b = resolveCrs(to);
  if (a === b) return (xy) => [xy[0], xy[1]];
  const t = proj4(a, b);
  return (xy) => {
    const [x, y] = t.forward([xy[0], xy[1]]);
    return [x!, y!];
  };
}

/**
 * The CRS of coordinates sent for a raster. A raster without georeferencing takes pixel coordinates (PIXEL_CRS,
 * which the readers apply as column/row) and a georeferenced one takes a real CRS; a mix is refused rather than
 * guessed. The CrsInfo returned for pixel coordinates is a stand-in the readers never apply.
 */
export function crsForRaster(ref: string, info: RasterInfo): CrsInfo {
  if (isPixelCrs(ref)) {
    if (info.georeferenced) {
      throw new InvalidArgumentError(`The coordinates are pixel coordinates of an image without georeferencing, but "${info.path.split(/[\\/]/).pop()}" is georeferenced.`,
        'Open georeferenced rasters in a project of their own (File → New), or draw the area again on this raster.');
    }
    return WGS84;
  }
  if (!info.georeferenced) {
    throw new InvalidArgumentError(`"${info.path.split(/[\\/]/).pop()}" has no georeferencing, so coordinates in ${ref.slice(0, 40)} cannot be placed on it.`,
      'Open it in a project of its own: the map then works in its pixel coordinates.');
  }
  return parseCrs(ref);
}
