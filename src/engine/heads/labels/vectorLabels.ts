// Label polygons with a class attribute from GeoJSON, a Shapefile (.shp with .dbf and .prj) or a GeoPackage, in any
// CRS, rasterized onto a raster's pixel grid (a pixel is labelled when its centre is inside: GDAL's rule).
// The class attribute is taken from --class-field, else the first of CLASS_FIELDS present; its values are class
// ids (integers 0…254) or class names (matched to classes.json names, else numbered in sorted order).
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parseDbf, parseShp } from 'shpjs';
import { FileNotFoundError, InvalidArgumentError, UnknownCrsError } from '../../../shared/errors';
import type { CrsInfo, MultiPolygonCoords, PolygonCoords, PolygonGeometry } from '../../../shared/geometry';
import type { RasterInfo } from '../../../shared/raster';
import { parseCrs, sameCrs, WGS84 } from '../../geo/crs';
import { rasterizePixels, toPixelSpace } from '../../geo/rasterize';
import { reprojectPolygon } from '../../geo/reproject';
import type { ClassDef } from '../dataset/manifest';
import { IGNORE_INDEX } from '../metrics';
import { readGeoPackage } from './geopackage';

export const CLASS_FIELDS = ['class_id', 'classid', 'class', 'label', 'label_id', 'value', 'id'];

export interface LabelPolygon {
  readonly geometry: PolygonGeometry;
  /** Raw attribute value (id or name) before mapping. */
  readonly value: string | number;
  /** The class name when a separate attribute gives one (name, class_name) beside numeric ids. */
  readonly name?: string;
}

export interface LabelPolygons {
  readonly polygons: readonly LabelPolygon[];
  readonly crs: CrsInfo;
  readonly field: string;
  readonly path: string;
}

export const isVectorLabels = (path: string) => ['.geojson', '.json', '.shp'].includes(extname(path).toLowerCase()) || path.toLowerCase().endsWith('.gpkg');

function readBytes(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch {
    throw new FileNotFoundError(path, what);
  }
}

function polygonGeometry(g: any): PolygonGeometry | null {
  if (!g) return null;
  if (g.type === 'Polygon') return { type: 'Polygon', coordinates: g.coordinates as PolygonCoords };
  if (g.type === 'MultiPolygon') return { type: 'MultiPolygon', coordinates: g.coordinates as MultiPolygonCoords };
  return null;
}

function pickField(props: Record<string, unknown>[], field: string | undefined, path: string): string {
  const keys = new Set(props.flatMap((p) => Object.keys(p ?? {})));
  if (field) {
    if (!keys.has(field)) throw new InvalidArgumentError(`The labels "${path}" have no attribute "${field}".`, `Attributes present: ${[...keys].join(', ') || 'none'}.`);
    return field;
  }
  const lower = new Map([...keys].map((k) => [k.toLowerCase(), k]));
  for (const f of CLASS_FIELDS) if (lower.has(f)) return lower.get(f)!;
  throw new InvalidArgumentError(`The labels "${path}" have no class attribute (looked for ${CLASS_FIELDS.join(', ')}).`, `Name it with --class-field; attributes present: ${[...keys].join(', ') || 'none'}.`);
}

export function readLabelPolygons(path: string, o: { classField?: string; layer?: string } = {}): LabelPolygons {
  const ext = extname(path).toLowerCase();
  let features: { geometry: any; properties: Record<string, unknown> }[];
  let crs: CrsInfo;
  if (ext === '.gpkg') {
    const g = readGeoPackage(path, o.layer);
    features = g.features.map((f) => ({ geometry: f.geometry, properties: f.properties }));
    if (!g.crs) throw new UnknownCrsError(`of the GeoPackage layer "${g.table}" (undefined Cartesian SRS)`, 'Assign the layer the raster\'s CRS in your GIS and export it again.');
    crs = g.crs;
  } else if (ext === '.shp') {
    const base = path.slice(0, -ext.length);
    const shp = readBytes(path, 'shapefile');
    const sidecar = (e: string) => { for (const s of [e, e.toUpperCase()]) { try { return readFileSync(base + s); } catch { /* next */ } } return null; };
    const dbf = sidecar('.dbf');
    const prj = sidecar('.prj');
    if (!dbf) throw new FileNotFoundError(base + '.dbf', 'attribute table of the shapefile');
    if (!prj) throw new UnknownCrsError(`of "${path}" (no .prj file)`, 'Write the .prj (e.g. re-export from QGIS) so the polygons can be placed on the raster.');
    const geoms = parseShp(shp);
    const cpg = sidecar('.cpg');
    const attrs = parseDbf(dbf, cpg ? cpg.toString('utf8') : undefined);
    features = geoms.map((g, i) => ({ geometry: g, properties: attrs[i] ?? {} }));
    crs = parseCrs(prj.toString('utf8'));
  } else {
    let doc: any;
    try {
      doc = JSON.parse(readBytes(path, 'GeoJSON labels').toString('utf8'));
    } catch (e) {
      throw new InvalidArgumentError(`The labels "${path}" are not valid JSON (${(e as Error).message}).`);
    }
    const list = doc?.type === 'FeatureCollection' ? doc.features : doc?.type === 'Feature' ? [doc] : null;
    if (!Array.isArray(list)) throw new InvalidArgumentError(`The labels "${path}" are not a GeoJSON Feature or FeatureCollection.`, 'Label polygons need a class attribute, so bare geometries cannot be used.');
    features = list.map((f: any) => ({ geometry: f?.geometry, properties: f?.properties ?? {} }));
    const name = doc?.crs?.properties?.name;
    crs = typeof name === 'string' ? parseCrs(name) : WGS84;
  }
  const field = pickField(features.map((f) => f.properties), o.classField, path);
  const nameField = ['class_name', 'classname', 'name'].find((k) => k !== field && features.some((f) => typeof f.properties[k] === 'string'));
  const polygons: LabelPolygon[] = [];
  for (const f of features) {
    const geometry = polygonGeometry(f.geometry);
    const v = f.properties[field];
    if (!geometry || v === null || v === undefined || v === '') continue;
    const name = nameField ? f.properties[nameField] : undefined;
    polygons.push({ geometry, value: typeof v === 'number' ? v : String(v), name: typeof name === 'string' ? name : undefined });
  }
  if (polygons.length === 0) throw new InvalidArgumentError(`The labels "${path}" contain no polygon with a "${field}" value.`);
  return { polygons, crs, field, path };
}

/** Attribute values → class ids: integers as given; names via `classes` (by name), else numbered in sorted order. */
export function classIdsOf(values: readonly (string | number)[], classes: readonly ClassDef[] | null, givenNames?: readonly (string | undefined)[]): { ids: number[]; names: Map<number, string> } {
  const names = new Map<number, string>();
  const numeric = values.every((v) => typeof v === 'number' || /^\d+$/.test(String(v)));
  if (numeric) {
    const ids = values.map(Number);
    for (const id of ids) if (!(Number.isInteger(id) && id >= 0 && id <= 254)) throw new InvalidArgumentError(`Class id ${id} is not an integer in 0…254.`, '255 is reserved for "no label".');
    ids.forEach((id, i) => { const n = givenNames?.[i]; if (n && !names.has(id)) names.set(id, n); });
    return { ids, names };
  }
  const byName = new Map((classes ?? []).map((c) => [c.name.toLowerCase(), c.id]));
  const unknown = [...new Set(values.map(String).filter((v) => !byName.has(v.toLowerCase())))].sort();
  let next = Math.max(-1, ...(classes ?? []).map((c) => c.id)) + 1;
  for (const u of unknown) byName.set(u.toLowerCase(), next++);
  const ids = values.map((v) => byName.get(String(v).toLowerCase())!);
  values.forEach((v, i) => names.set(ids[i]!, String(v)));
  return { ids, names };
}

export interface RasterizedLabels {
  /** Class id per pixel of the raster, IGNORE_INDEX where no polygon is. */
  readonly labels: Uint8Array;
  /** Index of the polygon that labelled each pixel (-1 none): the holdout unit. */
  readonly unitOf: Int32Array;
  readonly polygons: number;
  /** Polygons that cover no pixel centre of the raster (outside it, or thinner than a pixel). */
  readonly empty: number;
}

/**
 * Rasterizes label polygons onto the raster's grid. Later polygons win where polygons overlap (drawing order).
 * Rasters without georeferencing take polygon coordinates as pixel coordinates (column, row).
 */
export function rasterizeLabels(lp: LabelPolygons, ids: readonly number[], info: RasterInfo): RasterizedLabels {
  const { width, height } = info;
  const labels = new Uint8Array(width * height).fill(IGNORE_INDEX);
  const unitOf = new Int32Array(width * height).fill(-1);
  let empty = 0;
  lp.polygons.forEach((p, u) => {
    let geom = p.geometry;
    if (info.georeferenced && info.crs) {
      if (!sameCrs(lp.crs, info.crs)) geom = reprojectPolygon(geom, lp.crs, info.crs);
      geom = toPixelSpace(geom, info.transform);
    }
    const box = bounds(geom);
    const x0 = Math.max(0, Math.floor(box[0])), y0 = Math.max(0, Math.floor(box[1]));
    const x1 = Math.min(width, Math.ceil(box[2])), y1 = Math.min(height, Math.ceil(box[3]));
    if (x1 <= x0 || y1 <= y0) { empty++; return; }
    const mask = rasterizePixels(geom, { x: x0, y: y0, width: x1 - x0, height: y1 - y0 });
    let any = false;
    for (let r = 0; r < y1 - y0; r++) {
      for (let c = 0; c < x1 - x0; c++) {
        if (!mask[r * (x1 - x0) + c]) continue;
        const i = (y0 + r) * width + x0 + c;
        labels[i] = ids[u]!;
        unitOf[i] = u;
        any = true;
      }
    }
    if (!any) empty++;
  });
  return { labels, unitOf, polygons: lp.polygons.length, empty };
}

function bounds(g: PolygonGeometry): [number, number, number, number] {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  const rings = g.type === 'Polygon' ? g.coordinates : (g.coordinates as MultiPolygonCoords).flat();
  for (const ring of rings) for (const [x, y] of ring) {
    if (x < x0) x0 = x;
    if (y < y0) y0 = y;
    if (x > x1) x1 = x;
    if (y > y1) y1 = y;
  }
  return [x0, y0, x1, y1];
}
