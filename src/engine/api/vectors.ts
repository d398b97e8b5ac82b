// `vector.read`: GeoJSON and Shapefile read into GeoJSON features in a requested CRS, for vector layers and for
// importing labels. Coordinates keep full precision; only coordinates are transformed, topology is untouched.
import { readFile, stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { parseDbf, parseShp } from 'shpjs';
import { isPixelCrs, PIXEL_CRS, type GeoJsonFeature, type VectorDataset } from '../../shared/contract';
import { FileNotFoundError, InvalidArgumentError, SatError } from '../../shared/errors';
import { resolveCrs, transformer } from './crsRef';
import { readGeoPackage } from '../heads/labels/geopackage';

const MAX_VECTOR_BYTES = 512 * 1024 * 1024;

type Xy = (xy: readonly [number, number]) => [number, number];

function mapCoords(coords: unknown, f: Xy): unknown {
  if (Array.isArray(coords) && coords.length >= 2 && typeof coords[0] === 'number') {
    const [x, y] = f([coords[0] as number, coords[1] as number]);
    return coords.length > 2 ? [x, y, ...coords.slice(2)] : [x, y];
  }
  return Array.isArray(coords) ? coords.map((c) => mapCoords(c, f)) : coords;
}

function reprojectFeature(f: GeoJsonFeature, t: Xy): GeoJsonFeature {
  if (!f.geometry) return f;
  const g = f.geometry as { type: string; coordinates?: unknown; geometries?: Array<{ type: string; coordinates: unknown }> };
  if (g.type === 'GeometryCollection') {
    return { ...f, geometry: { ...g, geometries: g.geometries?.map((x) => ({ ...x, coordinates: mapCoords(x.coordinates, t) })) } as never };
  }
  return { ...f, geometry: { type: g.type, coordinates: mapCoords(g.coordinates, t) } };
}

function geoJsonCrs(doc: Record<string, unknown>): string {
  const crs = doc.crs as { type?: string; properties?: { name?: string } } | undefined;
  const name = crs?.type === 'name' ? crs.properties?.name : undefined;
  return typeof name === 'string' ? name : 'EPSG:4326';
}

async function readBytes(path: string, what: string): Promise<Buffer> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch {
    throw new FileNotFoundError(path, what);
  }
  if (size > MAX_VECTOR_BYTES) throw new InvalidArgumentError(`"${path}" is ${(size / 2 ** 20).toFixed(0)} MiB; vector layers up to 512 MiB can be opened.`, 'Clip it to the area you need with ogr2ogr -clipsrc.');
  return readFile(path);
}

async function readGeoJson(path: string): Promise<{ features: GeoJsonFeature[]; crs: string }> {
  const text = (await readBytes(path, 'GeoJSON file')).toString('utf8');
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new InvalidArgumentError(`"${path}" is not valid JSON: ${(e as Error).message}.`, 'Check the file in a text editor or re-export it from your GIS.');
  }
  let features: GeoJsonFeature[];
  if (doc.type === 'FeatureCollection' && Array.isArray(doc.features)) features = doc.features as GeoJsonFeature[];
  else if (doc.type === 'Feature') features = [doc as unknown as GeoJsonFeature];
  else if (typeof doc.type === 'string' && 'coordinates' in doc) features = [{ type: 'Feature', geometry: doc as never, properties: {} }];
  else throw new InvalidArgumentError(`"${path}" is JSON but not GeoJSON (no FeatureCollection, Feature or geometry).`);
  return { features, crs: geoJsonCrs(doc) };
}

async function readShapefile(path: string, pixelTarget: boolean): Promise<{ features: GeoJsonFeature[]; crs: string }> {
  const base = path.slice(0, -extname(path).length);
  const shp = await readBytes(path, 'shapefile');
  const sidecar = async (ext: string): Promise<Buffer | null> => {
    for (const e of [ext, ext.toUpperCase()]) {
      try {
        return await readFile(base + e);
      } catch {
        /* try the next spelling */
      }
    }
    return null;
  };
  const [dbf, prj, cpg] = await Promise.all([sidecar('.dbf'), sidecar('.prj'), sidecar('.cpg')]);
  // A shapefile without a CRS read into a pixel-CRS project is taken as pixel coordinates (what this app writes
  // for results of an image without georeferencing); anywhere else its place is unknown.
  if (!prj && !pixelTarget) {
    throw new SatError('UNKNOWN_CRS', `The shapefile "${basename(path)}" has no .prj file, so its coordinates cannot be placed on the map.`, {
      hint: 'Define its CRS in QGIS (Layer → Set CRS) or with ogr2ogr -a_srs EPSG:xxxx, then import it again.',
    });
  }
  let geoms: ReturnType<typeof parseShp>;
  let rows: Array<Record<string, unknown>> = [];
  try {
    geoms = parseShp(shp, false);
    if (dbf) rows = parseDbf(dbf, cpg ? cpg.toString('utf8') : undefined);
  } catch (e) {
    throw new SatError('UNSUPPORTED_FORMAT', `"${basename(path)}" cannot be read as a shapefile: ${(e as Error).message}.`, {
      hint: 'Re-export it from your GIS, or convert it to GeoJSON or GeoPackage with ogr2ogr.',
      cause: e,
    });
  }
  const features = geoms.map((g, i): GeoJsonFeature => ({ type: 'Feature', id: i, geometry: g, properties: rows[i] ?? {} }));
  return { features, crs: prj ? prj.toString('utf8') : PIXEL_CRS };
}

/** The first polygon layer of a GeoPackage (the heads engine's reader: read-only SQLite through the store). */
async function readGeoPackageLayer(path: string, pixelTarget: boolean): Promise<{ features: GeoJsonFeature[]; crs: string }> {
  await readBytes(path, 'GeoPackage');
  let g: ReturnType<typeof readGeoPackage>;
  try {
    g = readGeoPackage(path);
  } catch (e) {
    if (e instanceof SatError) throw e;
    throw new SatError('UNSUPPORTED_FORMAT', `"${basename(path)}" cannot be read as a GeoPackage: ${(e as Error).message}.`, { hint: 'Check the file opens in QGIS, or convert it with ogr2ogr.', cause: e });
  }
  // A layer in the undefined Cartesian SRS read into a pixel-CRS project is taken as pixel coordinates (what
  // this app writes for results of an image without georeferencing); anywhere else its place is unknown.
  if (!g.crs && !pixelTarget) {
    throw new SatError('UNKNOWN_CRS', `The GeoPackage layer "${g.table}" of "${basename(path)}" has an undefined CRS, so its coordinates cannot be placed on the map.`, {
      hint: 'Assign it a CRS in QGIS (Layer → Set CRS) or with ogr2ogr -a_srs EPSG:xxxx, then import it again; into a project of an image without georeferencing it imports as pixel coordinates.',
    });
  }
  const features = g.features.map((f, i): GeoJsonFeature => ({
    type: 'Feature', id: i, geometry: f.geometry as GeoJsonFeature['geometry'],
    properties: Object.fromEntries(Object.entries(f.properties).filter(([, v]) => !(v instanceof Uint8Array)).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])),
  }));
  return { features, crs: !g.crs ? PIXEL_CRS : g.crs.epsg !== null ? `EPSG:${g.crs.epsg}` : g.crs.definition };
}

export async function readVector(path: string, targetCrs: string | null): Promise<VectorDataset> {
  const ext = extname(path).toLowerCase();
  let format: VectorDataset['format'];
  let read: { features: GeoJsonFeature[]; crs: string };
  if (ext === '.geojson' || ext === '.json') {
    format = 'GeoJSON';
    read = await readGeoJson(path);
  } else if (ext === '.shp') {
    format = 'Shapefile';
    read = await readShapefile(path, isPixelCrs(targetCrs));
  } else if (ext === '.gpkg') {
    format = 'GeoPackage';
    read = await readGeoPackageLayer(path, isPixelCrs(targetCrs));
  } else {
    throw new SatError('UNSUPPORTED_FORMAT', `"${basename(path)}" is not a vector format the app reads (GeoJSON, Shapefile, GeoPackage).`, { hint: 'Convert it with ogr2ogr.' });
  }
  if (!isPixelCrs(read.crs)) resolveCrs(read.crs);
  const crs = targetCrs ?? read.crs;
  const t = transformer(read.crs, crs);
  const features = targetCrs ? read.features.map((f) => reprojectFeature(f, t)) : read.features;
  const fields = new Set<string>();
  const types = new Set<string>();
  for (const f of features) {
    for (const k of Object.keys(f.properties ?? {})) fields.add(k);
    if (f.geometry) types.add(f.geometry.type);
  }
  return {
    path, name: basename(path, extname(path)), format, sourceCrs: read.crs, crs,
    features: { type: 'FeatureCollection', features }, fields: [...fields], geometryTypes: [...types],
  };
}
