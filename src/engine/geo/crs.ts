// CRS resolution: EPSG codes from the bundled table, proj4 strings and WKT (proj4's own parser), and the
// spellings users and files use for them. Every CrsInfo carries a definition proj4 can run.
import proj4 from 'proj4';
import { UnknownCrsError } from '../../shared/errors';
import type { CrsInfo } from '../../shared/geometry';
import { lookupEpsg } from './epsg';

export const WGS84: CrsInfo = { epsg: 4326, name: 'WGS 84', definition: '+proj=longlat +datum=WGS84 +no_defs', units: 'degree' };

const usable = new Map<number, string | null>();

/** Why proj4 cannot run this definition (e.g. a projection method it lacks), or null when it can. */
function proj4Problem(code: number, definition: string): string | null {
  let problem = usable.get(code);
  if (problem === undefined) {
    try {
      const [x, y] = proj4(WGS84.definition, definition).inverse([0, 0]);
      problem = typeof x === 'number' && typeof y === 'number' ? null : 'it returns no coordinates';
    } catch (e) {
      problem = (e as Error)?.message || `proj4 does not implement ${/\+proj=\w+/.exec(definition)?.[0] ?? 'its projection'}`;
    }
    usable.set(code, problem);
  }
  return problem;
}

export function crsFromEpsg(code: number): CrsInfo {
  const e = Number.isInteger(code) ? lookupEpsg(code) : null;
  if (!e) {
    throw new UnknownCrsError(`EPSG:${code}`,
      'The bundled EPSG table has every projected and geographic CRS PROJ can express as a proj4 string; this code is not one of them. Reproject the data with gdalwarp -t_srs EPSG:xxxx first.');
  }
  const problem = proj4Problem(code, e.definition);
  if (problem) {
    throw new UnknownCrsError(`EPSG:${code} (${e.name})`, `Its projection cannot be computed here (${problem}). Reproject the data with gdalwarp -t_srs EPSG:xxxx first.`);
  }
  return { epsg: e.epsg, name: e.name, definition: e.definition, units: e.units };
}

function unitsOfProj4(def: string): CrsInfo['units'] {
  if (/\+proj=(longlat|latlong|lonlat|latlon)\b/.test(def)) return 'degree';
  const u = /\+units=([\w-]+)/.exec(def)?.[1];
  if (u === 'm') return 'm';
  if (u === 'ft') return 'ft';
  if (u === 'us-ft') return 'us-ft';
  if (!u && !/\+to_meter=/.test(def)) return 'm';
  return 'unknown';
}

function unitsOfWkt(wkt: string): CrsInfo['units'] {
  if (/^\s*(GEOGCS|GEOGCRS|GEODCRS|BASEGEOGCRS)\[/i.test(wkt) && !/PROJCS|PROJCRS/i.test(wkt)) return 'degree';
  // The last UNIT/LENGTHUNIT of a projected WKT is the axis unit.
  const units = [...wkt.matchAll(/(?:LENGTH)?UNIT\s*\[\s*"([^"]+)"\s*,\s*([\d.eE+-]+)/gi)];
  const last = units[units.length - 1];
  if (!last) return 'unknown';
  const f = Number(last[2]);
  if (Math.abs(f - 1) < 1e-12) return 'm';
  if (Math.abs(f - 0.3048) < 1e-12) return 'ft';
  if (Math.abs(f - 0.30480060960121924) < 1e-12) return 'us-ft';
  return /degree/i.test(last[1]) ? 'degree' : 'unknown';
}

/** A CRS from a proj4 string or WKT (WKT1, ESRI or WKT2 as proj4's parser reads them). */
export function crsFromDefinition(definition: string, name?: string): CrsInfo {
  const def = definition.trim();
  try {
    proj4(WGS84.definition, def).forward([0, 0]);
  } catch (e) {
    throw new UnknownCrsError(`"${def.slice(0, 80)}${def.length > 80 ? '…' : ''}"`,
      `proj4 cannot use this definition (${(e as Error)?.message ?? String(e)}). Give an EPSG code (EPSG:xxxx) instead.`);
  }
  const isWkt = /^[A-Z_0-9]+\s*\[/i.test(def);
  const wktName = isWkt ? /^[A-Z_0-9]+\s*\[\s*"([^"]*)"/i.exec(def)?.[1] : undefined;
  // A WKT that names its EPSG code at the top level is that code (GDAL writes AUTHORITY["EPSG","xxxx"] last).
  const idMatch = isWkt ? /(?:AUTHORITY|ID)\s*\[\s*"EPSG"\s*,\s*"?(\d+)"?\s*\]\s*\]\s*$/i.exec(def) : null;
  if (idMatch && lookupEpsg(Number(idMatch[1]))) return crsFromEpsg(Number(idMatch[1]));
  return { epsg: null, name: name ?? wktName ?? 'user-defined', definition: def, units: isWkt ? unitsOfWkt(def) : unitsOfProj4(def) };
}

/**
 * A CRS as users write it: "EPSG:32632", "epsg:4326", "urn:ogc:def:crs:EPSG::3857", "urn:ogc:def:crs:OGC:1.3:CRS84",
 * "CRS84", a bare code ("31985"), a proj4 string or WKT.
 */
export function parseCrs(text: string): CrsInfo {
  const s = text.trim();
  if (/^(urn:ogc:def:crs:OGC:(1\.3)?:)?CRS84$/i.test(s) || /^OGC:CRS84$/i.test(s)) return WGS84;
  const code = /^(?:EPSG:{1,2}|urn:ogc:def:crs:EPSG:[\d.]*:|https?:\/\/www\.opengis\.net\/def\/crs\/EPSG\/\d+\/)?(\d+)$/i.exec(s);
  if (code) return crsFromEpsg(Number(code[1]));
  if (s.startsWith('+') || /^[A-Z_0-9]+\s*\[/i.test(s)) return crsFromDefinition(s);
  throw new UnknownCrsError(`"${s.slice(0, 80)}"`, 'Write it as EPSG:xxxx, a proj4 string (+proj=…) or WKT.');
}

/** Same CRS (same EPSG code, or the same definition text). */
export function sameCrs(a: CrsInfo, b: CrsInfo): boolean {
  if (a.epsg !== null && b.epsg !== null) return a.epsg === b.epsg;
  return a.definition.replace(/\s+/g, ' ').trim() === b.definition.replace(/\s+/g, ' ').trim();
}
