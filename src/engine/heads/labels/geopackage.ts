// Label polygons from a GeoPackage (OGC 12-128r18): the first feature table with polygon geometries (or the one
// named), its CRS from gpkg_spatial_ref_sys, every row's GeoPackageBinary geometry (header "GP", flags, srs_id,
// optional envelope, then WKB) decoded to Polygon/MultiPolygon. SQLite is opened read-only through the store's
// single better-sqlite3 entry point.
import { InvalidArgumentError, SatError, UnknownCrsError } from '../../../shared/errors';
import type { CrsInfo, MultiPolygonCoords, PolygonCoords, PolygonGeometry } from '../../../shared/geometry';
import { crsFromDefinition, parseCrs } from '../../geo/crs';
import { openSqlite } from '../../store/sqlite';

export interface GpkgFeatures {
  readonly table: string;
  /** null: the layer is in the spec's "undefined Cartesian SRS" (srs_id -1), i.e. plain x/y such as the
   *  pixel coordinates this app writes for an image without georeferencing; the caller decides. */
  readonly crs: CrsInfo | null;
  readonly features: { geometry: PolygonGeometry | null; properties: Record<string, unknown> }[];
}

const ENVELOPE_BYTES = [0, 32, 48, 48, 64];

/** Decodes one GeoPackageBinary blob; null for an empty geometry or a non-polygon type. */
export function decodeGpkgGeometry(blob: Uint8Array): PolygonGeometry | null {
  const v = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  if (blob.length < 8 || blob[0] !== 0x47 || blob[1] !== 0x50) throw new InvalidArgumentError('A GeoPackage geometry does not start with "GP".');
  const flags = blob[3]!;
  if (flags & 0x20) throw new InvalidArgumentError('Extended GeoPackage geometries are not supported.');
  const env = (flags >> 1) & 0x7;
  if (env > 4) throw new InvalidArgumentError(`A GeoPackage geometry has an invalid envelope code ${env}.`);
  if (flags & 0x10) return null;
  let o = 8 + ENVELOPE_BYTES[env]!;
  const readGeom = (): PolygonGeometry | null => {
    const le = blob[o] === 1;
    o += 1;
    const raw = v.getUint32(o, le);
    o += 4;
    // ISO WKB (1000/2000/3000 + type) and EWKB-style high bits for Z/M
    const hasZ = raw >= 1000 && raw < 2000 ? true : raw >= 3000 && raw < 4000 ? true : (raw & 0x80000000) !== 0;
    const hasM = raw >= 2000 && raw < 4000 ? true : (raw & 0x40000000) !== 0;
    const type = (raw & 0x0fffffff) % 1000;
    const dims = 2 + (hasZ ? 1 : 0) + (hasM ? 1 : 0);
    const u32 = () => { const x = v.getUint32(o, le); o += 4; return x; };
    const ring = (): [number, number][] => {
      const n = u32();
      const pts: [number, number][] = [];
      for (let i = 0; i < n; i++) {
        pts.push([v.getFloat64(o, le), v.getFloat64(o + 8, le)]);
        o += 8 * dims;
      }
      return pts;
    };
    const polygon = (): PolygonCoords => Array.from({ length: u32() }, ring);
    if (type === 3) return { type: 'Polygon', coordinates: polygon() };
    if (type === 6) {
      const n = u32();
      const polys: PolygonCoords[] = [];
      for (let i = 0; i < n; i++) {
        const g = readGeom();
        if (g?.type === 'Polygon') polys.push(g.coordinates);
      }
      return { type: 'MultiPolygon', coordinates: polys as MultiPolygonCoords };
    }
    return null;
  };
  return readGeom();
}

export function readGeoPackage(path: string, table?: string): GpkgFeatures {
  const db = openSqlite(path, { readonly: true });
  try {
    let cols: { table_name: string; column_name: string; geometry_type_name: string; srs_id: number }[];
    try {
      cols = db.prepare('SELECT table_name, column_name, geometry_type_name, srs_id FROM gpkg_geometry_columns').all() as typeof cols;
    } catch (e) {
      throw new SatError('UNSUPPORTED_FORMAT', `"${path}" is not a GeoPackage (no gpkg_geometry_columns table).`, { hint: 'Export the labels as GeoPackage, GeoJSON or Shapefile from your GIS.', cause: e });
    }
    const polygonal = cols.filter((c) => /POLYGON|GEOMETRY/i.test(c.geometry_type_name));
    const col = table ? cols.find((c) => c.table_name === table) : polygonal[0];
    if (!col) throw new InvalidArgumentError(table ? `The GeoPackage "${path}" has no feature table "${table}".` : `The GeoPackage "${path}" has no polygon layer.`, `Layers: ${cols.map((c) => `${c.table_name} (${c.geometry_type_name})`).join(', ') || 'none'}.`);
    const srs = db.prepare('SELECT organization, organization_coordsys_id, definition FROM gpkg_spatial_ref_sys WHERE srs_id = ?').get(col.srs_id) as { organization: string; organization_coordsys_id: number; definition: string } | undefined;
    let crs: CrsInfo | null;
    if (col.srs_id === -1) crs = null;
    else if (srs && srs.organization?.toUpperCase() === 'EPSG' && srs.organization_coordsys_id > 0) crs = parseCrs(`EPSG:${srs.organization_coordsys_id}`);
    else if (srs && srs.definition && srs.definition !== 'undefined') crs = crsFromDefinition(srs.definition);
    else throw new UnknownCrsError(`of the GeoPackage layer "${col.table_name}" (srs_id ${col.srs_id})`, 'Assign the layer a CRS in your GIS and export it again.');
    const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;
    const rows = db.prepare(`SELECT * FROM ${quote(col.table_name)}`).all() as Record<string, unknown>[];
    const features = rows.map((r) => {
      const blob = r[col.column_name];
      const properties: Record<string, unknown> = {};
      for (const [k, val] of Object.entries(r)) if (k !== col.column_name) properties[k] = val;
      return { geometry: blob instanceof Uint8Array ? decodeGpkgGeometry(blob) : null, properties };
    });
    return { table: col.table_name, crs, features };
  } finally {
    db.close();
  }
}
