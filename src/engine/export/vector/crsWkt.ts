// The WKT a vector file declares for its CRS. For an EPSG code, Esri's projection-engine WKT from
// @esri/proj-codes: it is what a .prj must hold for ArcGIS, and GDAL/QGIS read it and identify the EPSG
// code from it. A CRS given as WKT keeps its own. A CRS known only as a proj4 string has no faithful WKT
// here: null, and the caller says so (the GeoPackage still records the EPSG id when there is one).
import { createRequire } from 'node:module';
import type { CrsInfo } from '../../../shared/geometry';

interface PeEntry {
  readonly wkid: number;
  readonly latestWkid?: number;
  readonly name: string;
  readonly wkt: string;
}

let lookup: ((code: number) => PeEntry | undefined) | null = null;

function esriLookup(code: number): PeEntry | undefined {
  // Loaded on first use: the tables are ~15 MB of JSON, needed only when a vector file is written.
  lookup ??= (createRequire(import.meta.url)('@esri/proj-codes') as { lookup: (c: number) => PeEntry | undefined }).lookup;
  return lookup(code);
}

export function isWkt(definition: string): boolean {
  return /^\s*(PROJCS|GEOGCS|PROJCRS|GEOGCRS|GEODCRS|COMPD_CS|COMPOUNDCRS)\s*\[/i.test(definition);
}

/** ESRI-flavoured WKT1 for the CRS, or null when none can be derived faithfully. */
export function esriWkt(crs: CrsInfo): string | null {
  if (crs.epsg !== null) {
    const e = esriLookup(crs.epsg);
    if (e?.wkt) return e.wkt;
  }
  return isWkt(crs.definition) ? crs.definition.trim() : null;
}
