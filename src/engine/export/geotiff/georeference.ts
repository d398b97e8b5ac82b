// Georeferencing as TIFF tags: the GeoKey directory (GeoTIFF 1.0 key set, as GDAL writes it by default)
// and the raster-to-model transform (tie point + pixel scale for north-up rasters, a full
// ModelTransformation for rotated or south-up ones).
import type { GeoTransform } from '../../../shared/geometry';
import { InvalidArgumentError } from '../../../shared/errors';
import { asciiEntry, numericEntry, type IfdEntry } from './ifd';
import { GeoKey as Key, ModelType, RasterType, USER_DEFINED } from '../../raster/tiff/geokeys';
import { FieldType, Tag } from '../../raster/tiff/tags';
import { peCitation } from './wkt-citation';

/** The CRS a file declares. */
export type CrsSpec =
  /** An EPSG code; `geographic` picks GeographicTypeGeoKey (lon/lat) over ProjectedCSTypeGeoKey. */
  | { readonly kind: 'epsg'; readonly code: number; readonly geographic: boolean; readonly name?: string }
  /**
   * A CRS with no EPSG code. Written as a user-defined CRS (GTModelTypeGeoKey and
   * ProjectedCSTypeGeoKey or GeographicTypeGeoKey = 32767) whose definition is the WKT in an
   * "ESRI PE String" PCS citation, the convention GDAL, ArcGIS and QGIS read back.
   */
  | { readonly kind: 'wkt'; readonly wkt: string; readonly geographic: boolean }
  /** GeoKeys copied verbatim from a source GeoTIFF (keeps any CRS GDAL wrote, exactly). */
  | { readonly kind: 'geokeys'; readonly directory: ArrayLike<number>; readonly doubles?: ArrayLike<number>; readonly ascii?: string };

type KeyEntry = { id: number; short: number } | { id: number; ascii: string };

/** Encodes keys into the three GeoTIFF tags (directory, doubles, ascii). */
function encodeKeys(keys: KeyEntry[]): IfdEntry[] {
  keys.sort((a, b) => a.id - b.id);
  const dir: number[] = [1, 1, 0, keys.length];
  const parts: Buffer[] = [];
  let asciiBytes = 0;
  for (const k of keys) {
    if ('short' in k) {
      dir.push(k.id, 0, 1, k.short);
    } else {
      // Each ASCII value ends with '|' (the count includes it); counts and offsets are in bytes.
      const text = Buffer.from(k.ascii.replace(/\|/g, '/') + '|', 'utf8');
      dir.push(k.id, Tag.GeoAsciiParams, text.length, asciiBytes);
      parts.push(text);
      asciiBytes += text.length;
    }
  }
  const entries = [numericEntry(Tag.GeoKeyDirectory, FieldType.SHORT, dir)];
  if (parts.length > 0) entries.push({ tag: Tag.GeoAsciiParams, type: FieldType.ASCII, values: Buffer.concat([...parts, Buffer.from([0])]) });
  return entries;
}

const wktRoots = new Set(['PROJCS', 'GEOGCS', 'COMPD_CS', 'PROJCRS', 'PROJECTEDCRS', 'GEOGCRS', 'GEOGRAPHICCRS', 'GEODCRS', 'GEODETICCRS', 'BOUNDCRS', 'COMPOUNDCRS']);

export function validateCrs(crs: CrsSpec): void {
  if (crs.kind === 'epsg') {
    if (!Number.isInteger(crs.code) || crs.code < 1024 || crs.code > 32766) {
      throw new InvalidArgumentError(`EPSG code ${crs.code} is not a valid GeoTIFF CRS code.`, 'Use an EPSG code between 1024 and 32766 (e.g. 4326, 32633), or give the CRS as WKT.', { code: crs.code });
    }
  } else if (crs.kind === 'wkt') {
    const root = /^\s*([A-Za-z_]+)\s*\[/.exec(crs.wkt)?.[1].toUpperCase();
    if (!root || !wktRoots.has(root)) {
      throw new InvalidArgumentError('The CRS definition is not WKT (it should start with PROJCS[, GEOGCS[, PROJCRS[ or GEOGCRS[).', 'Give an EPSG code, or the CRS as WKT (e.g. from gdalsrsinfo -o wkt1 …). proj4 strings cannot be stored in a GeoTIFF as they are.');
    }
  } else {
    const d = crs.directory;
    if (d.length < 4 || d.length !== 4 + 4 * d[3]) {
      throw new InvalidArgumentError('The GeoKey directory to copy is malformed (its length does not match its key count).', 'Give the CRS as an EPSG code or WKT instead.');
    }
  }
}

/** GeoKey directory tags for `crs`. */
export function crsEntries(crs: CrsSpec): IfdEntry[] {
  validateCrs(crs);
  if (crs.kind === 'geokeys') {
    const entries = [numericEntry(Tag.GeoKeyDirectory, FieldType.SHORT, Array.from(crs.directory))];
    if (crs.doubles && crs.doubles.length > 0) entries.push(numericEntry(Tag.GeoDoubleParams, FieldType.DOUBLE, Array.from(crs.doubles)));
    if (crs.ascii) entries.push(asciiEntry(Tag.GeoAsciiParams, crs.ascii));
    return entries;
  }
  const keys: KeyEntry[] = [{ id: Key.GTRasterType, short: RasterType.PixelIsArea }];
  if (crs.kind === 'epsg') {
    if (crs.geographic) {
      keys.push({ id: Key.GTModelType, short: ModelType.Geographic }, { id: Key.GeographicType, short: crs.code });
      if (crs.name) keys.push({ id: Key.GeogCitation, ascii: crs.name });
    } else {
      keys.push({ id: Key.GTModelType, short: ModelType.Projected }, { id: Key.ProjectedCSType, short: crs.code });
      if (crs.name) keys.push({ id: Key.GTCitation, ascii: crs.name });
    }
  } else {
    // GDAL (3.6 checked) reads the PE string only when the model type is user-defined too, which is
    // also what its own GEOTIFF_KEYS_FLAVOR=ESRI_PE writes.
    const citation = peCitation(crs.wkt);
    keys.push({ id: Key.GTModelType, short: USER_DEFINED }, { id: crs.geographic ? Key.GeographicType : Key.ProjectedCSType, short: USER_DEFINED }, { id: Key.PCSCitation, ascii: citation });
  }
  return encodeKeys(keys);
}

/** Model tags for a GDAL geotransform. */
export function transformEntries(t: GeoTransform): IfdEntry[] {
  if (!t.every(Number.isFinite) || t[1] * t[5] - t[2] * t[4] === 0) {
    throw new InvalidArgumentError(`The geotransform [${t.join(', ')}] is not invertible.`, 'Give pixel sizes that are finite and non-zero.', { transform: [...t] });
  }
  if (t[2] === 0 && t[4] === 0 && t[5] < 0 && t[1] > 0) {
    return [
      numericEntry(Tag.ModelPixelScale, FieldType.DOUBLE, [t[1], -t[5], 0]),
      numericEntry(Tag.ModelTiepoint, FieldType.DOUBLE, [0, 0, 0, t[0], t[3], 0]),
    ];
  }
  return [numericEntry(Tag.ModelTransformation, FieldType.DOUBLE, [t[1], t[2], 0, t[0], t[4], t[5], 0, t[3], 0, 0, 0, 0, 0, 0, 0, 1])];
}
