// A GeoPackage (OGC 12-128r18, version 1.3) written with SQLite directly: the required metadata tables,
// the layer's SRS with its real definition, standard geometry blobs with envelopes, and the R-tree
// spatial index extension (gpkg_rtree_index) with its table populated and its triggers defined, so GDAL,
// QGIS and ArcGIS open it indexed. Written to a temporary file and renamed when complete.
import { InvalidArgumentError, throwIfCancelled } from '../../../shared/errors';
import type { CrsInfo } from '../../../shared/geometry';
import { openSqlite } from '../../store/sqlite';
import { writeAtomically } from '../atomic';
import { esriWkt } from './crsWkt';
import { ATTRIBUTE_FIELDS, type VectorFeature } from './features';
import { gpkgPolygonBlob } from './gpkgGeometry';

export interface GeoPackageOptions {
  readonly crs: CrsInfo | null;
  /** Table name; letters, digits and underscores. Default "classes". */
  readonly layer?: string;
  readonly description?: string;
  readonly signal?: AbortSignal;
}

const WGS84_WKT = 'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]';
const CUSTOM_SRS_ID = 100000;

function srsRow(crs: CrsInfo | null): { id: number; name: string; org: string; orgId: number; definition: string } {
  if (!crs) return { id: -1, name: 'Undefined cartesian SRS', org: 'NONE', orgId: -1, definition: 'undefined' };
  const wkt = esriWkt(crs) ?? 'undefined';
  if (crs.epsg !== null) return { id: crs.epsg, name: crs.name, org: 'EPSG', orgId: crs.epsg, definition: wkt };
  return { id: CUSTOM_SRS_ID, name: crs.name || 'Custom CRS', org: 'NONE', orgId: CUSTOM_SRS_ID, definition: wkt };
}

export async function writeGeoPackage(path: string, features: readonly VectorFeature[], o: GeoPackageOptions): Promise<{ path: string; features: number }> {
  const table = o.layer ?? 'classes';
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(table)) throw new InvalidArgumentError(`Layer name "${table}" is not allowed.`, 'Use letters, digits and underscores, starting with a letter.');
  const srs = srsRow(o.crs);
  const rtree = `rtree_${table}_geom`;
  await writeAtomically([path], ([tmp]) => {
    const db = openSqlite(tmp, { journal: 'off' });
    try {
      db.pragma('synchronous = OFF');
      db.pragma('application_id = 1196444487'); // "GPKG"
      db.pragma('user_version = 10300');
      db.exec(`
        CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
          organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
        CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
          description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
          min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
          CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
        CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
          srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
          CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name), CONSTRAINT uk_gc_table_name UNIQUE (table_name),
          CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
          CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
        CREATE TABLE gpkg_extensions (table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL, definition TEXT NOT NULL,
          scope TEXT NOT NULL, CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name));
      `);
      const insSrs = db.prepare('INSERT OR REPLACE INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)');
      insSrs.run('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system');
      insSrs.run('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system');
      insSrs.run('WGS 84 geodetic', 4326, 'EPSG', 4326, WGS84_WKT, 'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid');
      if (srs.id !== -1 && srs.id !== 4326) insSrs.run(srs.name, srs.id, srs.org, srs.orgId, srs.definition, null);
      db.exec(`CREATE TABLE "${table}" (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, geom POLYGON,
        class_id INTEGER, class_name TEXT, area REAL, mean_prob REAL, source TEXT, model TEXT, head TEXT)`);
      db.exec(`CREATE VIRTUAL TABLE "${rtree}" USING rtree(id, minx, maxx, miny, maxy)`);
      const ins = db.prepare(`INSERT INTO "${table}" (geom, ${ATTRIBUTE_FIELDS.join(', ')}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
      const insIdx = db.prepare(`INSERT INTO "${rtree}" VALUES (?, ?, ?, ?, ?)`);
      let ext = [Infinity, Infinity, -Infinity, -Infinity];
      const batch = 2000;
      for (let i = 0; i < features.length; i += batch) {
        throwIfCancelled(o.signal, 'Writing the GeoPackage');
        db.transaction(() => {
          for (const f of features.slice(i, i + batch)) {
            const { blob, bbox } = gpkgPolygonBlob(f.rings, srs.id);
            const a = f.attributes;
            const r = ins.run(blob, a.class_id, a.class_name, a.area, a.mean_prob, a.source, a.model, a.head);
            // The rtree stores 32-bit floats; round outwards so the box still contains the geometry.
            insIdx.run(r.lastInsertRowid, Math.fround(bbox[0]) > bbox[0] ? bbox[0] - Math.abs(bbox[0]) * 1e-7 : bbox[0], Math.fround(bbox[2]) < bbox[2] ? bbox[2] + Math.abs(bbox[2]) * 1e-7 : bbox[2], Math.fround(bbox[1]) > bbox[1] ? bbox[1] - Math.abs(bbox[1]) * 1e-7 : bbox[1], Math.fround(bbox[3]) < bbox[3] ? bbox[3] + Math.abs(bbox[3]) * 1e-7 : bbox[3]);
            ext = [Math.min(ext[0], bbox[0]), Math.min(ext[1], bbox[1]), Math.max(ext[2], bbox[2]), Math.max(ext[3], bbox[3])];
          }
        })();
      }
      const hasExt = features.length > 0;
      db.prepare('INSERT INTO gpkg_contents (table_name, data_type, identifier, description, min_x, min_y, max_x, max_y, srs_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)').run(
        table, 'features', table, o.description ?? '', hasExt ? ext[0] : null, hasExt ? ext[1] : null, hasExt ? ext[2] : null, hasExt ? ext[3] : null, srs.id,
      );
      db.prepare('INSERT INTO gpkg_geometry_columns VALUES (?, ?, ?, ?, 0, 0)').run(table, 'geom', 'POLYGON', srs.id);
      db.prepare('INSERT INTO gpkg_extensions VALUES (?, ?, ?, ?, ?)').run(table, 'geom', 'gpkg_rtree_index', 'http://www.geopackage.org/spec120/#extension_rtree', 'write-only');
      // The triggers keep the index in step with later edits (in GDAL/QGIS, which provide ST_* functions);
      // they are created after the bulk insert, which filled the index directly.
      const t = `"${table}"`, r = `"${rtree}"`;
      const vals = `(NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom))`;
      db.exec(`
        CREATE TRIGGER "${rtree}_insert" AFTER INSERT ON ${t} WHEN (new.geom NOT NULL AND NOT ST_IsEmpty(NEW.geom))
          BEGIN INSERT OR REPLACE INTO ${r} VALUES ${vals}; END;
        CREATE TRIGGER "${rtree}_update1" AFTER UPDATE OF geom ON ${t} WHEN OLD.fid = NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom))
          BEGIN INSERT OR REPLACE INTO ${r} VALUES ${vals}; END;
        CREATE TRIGGER "${rtree}_update2" AFTER UPDATE OF geom ON ${t} WHEN OLD.fid = NEW.fid AND (NEW.geom ISNULL OR ST_IsEmpty(NEW.geom))
          BEGIN DELETE FROM ${r} WHERE id = OLD.fid; END;
        CREATE TRIGGER "${rtree}_update3" AFTER UPDATE ON ${t} WHEN OLD.fid != NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom))
          BEGIN DELETE FROM ${r} WHERE id = OLD.fid; INSERT OR REPLACE INTO ${r} VALUES ${vals}; END;
        CREATE TRIGGER "${rtree}_update4" AFTER UPDATE ON ${t} WHEN OLD.fid != NEW.fid AND (NEW.geom ISNULL OR ST_IsEmpty(NEW.geom))
          BEGIN DELETE FROM ${r} WHERE id IN (OLD.fid, NEW.fid); END;
        CREATE TRIGGER "${rtree}_delete" AFTER DELETE ON ${t} WHEN old.geom NOT NULL
          BEGIN DELETE FROM ${r} WHERE id = OLD.fid; END;
      `);
    } finally {
      db.close();
    }
  });
  return { path, features: features.length };
}
