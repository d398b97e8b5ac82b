// GeoKeys → CRS, following libgeotiff/GDAL: an EPSG code when the file names one; otherwise a user-defined CRS
// rebuilt from the projection keys (coordinate transformation + parameters, datum, ellipsoid, prime meridian,
// units), or the WKT that ESRI and GDAL put in the citation. A CRS that cannot be rebuilt leaves the raster
// georeferenced in unknown units, with a note saying so (it does not stop the file from opening).
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { SatError } from '../../../shared/errors';
import type { CrsInfo } from '../../../shared/geometry';
import { crsFromDefinition, crsFromEpsg } from '../../geo/crs';
import { lookupEpsg } from '../../geo/epsg';
import { resourcePath } from '../../geo/resources';
import { GeoKey, ModelType, USER_DEFINED, keyNumber, keyString, type GeoKeyValue } from './geokeys';

interface Tables {
  datums: Record<string, string>;
  ellipsoids: Record<string, [number, number | null, number | null]>;
  primeMeridians: Record<string, number>;
  units: Record<string, ['length' | 'angle', number]>;
}

let tables: Tables | null = null;
function geokeyTables(): Tables {
  tables ??= JSON.parse(gunzipSync(readFileSync(resourcePath('crs', 'geokeys.json.gz'))).toString('utf8')) as Tables;
  return tables;
}

export interface CrsResult {
  readonly crs: CrsInfo | null;
  readonly notes: string[];
}

const isCode = (v: number | undefined): v is number => v !== undefined && v > 0 && v < USER_DEFINED;

function fmt(v: number): string {
  return String(Number(v.toPrecision(15)));
}

/** proj4 terms for the geographic base: datum/ellipsoid/towgs84 and prime meridian. */
function datumTerms(keys: ReadonlyMap<number, GeoKeyValue>, notes: string[]): string | null {
  const t = geokeyTables();
  const geog = keyNumber(keys, GeoKey.GeographicType);
  if (isCode(geog)) {
    const e = lookupEpsg(geog);
    if (e) return e.definition.replace(/\+proj=\w+\s*/, '').replace(/\s*\+no_defs/, '').replace(/\s*\+(units|to_meter)=\S+/, '');
    notes.push(`geographic CRS EPSG:${geog} is not in the bundled table`);
  }
  let terms: string | null = null;
  const datum = keyNumber(keys, GeoKey.GeogGeodeticDatum);
  if (isCode(datum) && t.datums[datum]) terms = t.datums[datum];
  if (!terms) {
    const ell = keyNumber(keys, GeoKey.GeogEllipsoid);
    let a = keyNumber(keys, GeoKey.GeogSemiMajorAxis);
    let rf = keyNumber(keys, GeoKey.GeogInvFlattening);
    let b = keyNumber(keys, GeoKey.GeogSemiMinorAxis);
    if (isCode(ell) && t.ellipsoids[ell]) [a, rf, b] = t.ellipsoids[ell].map((x) => x ?? undefined) as [number, number | undefined, number | undefined];
    if (a === undefined) return null;
    terms = `+a=${fmt(a)} ` + (rf !== undefined && rf > 0 ? `+rf=${fmt(rf)}` : b !== undefined ? `+b=${fmt(b)}` : `+b=${fmt(a)}`);
  }
  const pmCode = keyNumber(keys, GeoKey.GeogPrimeMeridian);
  const pmLong = keyNumber(keys, GeoKey.GeogPrimeMeridianLong);
  const pm = isCode(pmCode) ? t.primeMeridians[pmCode] : pmLong;
  if (pm !== undefined && pm !== 0 && !/\+pm=/.test(terms)) terms += ` +pm=${fmt(pm)}`;
  return terms;
}

function linearUnits(keys: ReadonlyMap<number, GeoKeyValue>): { term: string; factor: number } {
  const code = keyNumber(keys, GeoKey.ProjLinearUnits);
  const size = keyNumber(keys, GeoKey.ProjLinearUnitSize);
  const u = isCode(code) ? geokeyTables().units[code] : undefined;
  const factor = u && u[0] === 'length' ? u[1] : code === USER_DEFINED && size ? size : 1;
  if (Math.abs(factor - 1) < 1e-12) return { term: '+units=m', factor: 1 };
  if (Math.abs(factor - 0.3048) < 1e-12) return { term: '+units=ft', factor };
  if (Math.abs(factor - 0.30480060960121924) < 1e-12) return { term: '+units=us-ft', factor };
  return { term: `+to_meter=${fmt(factor)}`, factor };
}

/** Builds the +proj=… terms of a user-defined projection from ProjCoordTransGeoKey and its parameters. */
function projectionTerms(keys: ReadonlyMap<number, GeoKeyValue>, unitFactor: number): string | null {
  const angCode = keyNumber(keys, GeoKey.GeogAngularUnits);
  const ang = isCode(angCode) ? geokeyTables().units[angCode] : undefined;
  const toDeg = ang && ang[0] === 'angle' ? (ang[1] * 180) / Math.PI : 1;
  const k = (...ids: number[]): number | undefined => {
    for (const id of ids) {
      const v = keyNumber(keys, id);
      if (v !== undefined) return v;
    }
    return undefined;
  };
  const deg = (...ids: number[]): string => fmt((k(...ids) ?? 0) * toDeg);
  const lin = (...ids: number[]): string => fmt((k(...ids) ?? 0) * unitFactor);
  const scale = (...ids: number[]): string => fmt(k(...ids) ?? 1);
  const G = GeoKey;
  const fe = (): string => `+x_0=${lin(G.ProjFalseEasting, G.ProjFalseOriginEasting, G.ProjCenterEasting)} +y_0=${lin(G.ProjFalseNorthing, G.ProjFalseOriginNorthing, G.ProjCenterNorthing)}`;
  const lon0 = (): string => deg(G.ProjNatOriginLong, G.ProjFalseOriginLong, G.ProjCenterLong, G.ProjStraightVertPoleLong);
  const lat0 = (): string => deg(G.ProjNatOriginLat, G.ProjFalseOriginLat, G.ProjCenterLat);
  const clon = (): string => deg(G.ProjCenterLong, G.ProjNatOriginLong, G.ProjFalseOriginLong);
  const clat = (): string => deg(G.ProjCenterLat, G.ProjNatOriginLat, G.ProjFalseOriginLat);
  switch (keyNumber(keys, G.ProjCoordTrans)) {
    case 1: return `+proj=tmerc +lat_0=${lat0()} +lon_0=${lon0()} +k=${scale(G.ProjScaleAtNatOrigin, G.ProjScaleAtCenter)} ${fe()}`;
    case 27: return `+proj=tmerc +axis=wsu +lat_0=${lat0()} +lon_0=${lon0()} +k=${scale(G.ProjScaleAtNatOrigin)} ${fe()}`;
    case 7: return k(G.ProjStdParallel1) !== undefined
      ? `+proj=merc +lat_ts=${deg(G.ProjStdParallel1)} +lon_0=${lon0()} ${fe()}`
      : `+proj=merc +lon_0=${lon0()} +k=${scale(G.ProjScaleAtNatOrigin)} ${fe()}`;
    case 8: return `+proj=lcc +lat_1=${deg(G.ProjStdParallel1)} +lat_2=${deg(G.ProjStdParallel2)} +lat_0=${deg(G.ProjFalseOriginLat, G.ProjNatOriginLat)} +lon_0=${deg(G.ProjFalseOriginLong, G.ProjNatOriginLong)} ${fe()}`;
    case 9: return `+proj=lcc +lat_1=${lat0()} +lat_0=${lat0()} +lon_0=${lon0()} +k_0=${scale(G.ProjScaleAtNatOrigin)} ${fe()}`;
    case 10: return `+proj=laea +lat_0=${clat()} +lon_0=${clon()} ${fe()}`;
    case 11: return `+proj=aea +lat_1=${deg(G.ProjStdParallel1)} +lat_2=${deg(G.ProjStdParallel2)} +lat_0=${lat0()} +lon_0=${lon0()} ${fe()}`;
    case 12: return `+proj=aeqd +lat_0=${clat()} +lon_0=${clon()} ${fe()}`;
    case 13: return `+proj=eqdc +lat_1=${deg(G.ProjStdParallel1)} +lat_2=${deg(G.ProjStdParallel2)} +lat_0=${lat0()} +lon_0=${clon()} ${fe()}`;
    case 14: return `+proj=stere +lat_0=${clat()} +lon_0=${clon()} +k=${scale(G.ProjScaleAtNatOrigin, G.ProjScaleAtCenter)} ${fe()}`;
    case 15: {
      const lat = (k(G.ProjNatOriginLat) ?? 90) * toDeg;
      return `+proj=stere +lat_0=${lat < 0 ? -90 : 90} +lat_ts=${fmt(lat)} +lon_0=${deg(G.ProjStraightVertPoleLong, G.ProjNatOriginLong)} +k=${scale(G.ProjScaleAtNatOrigin)} ${fe()}`;
    }
    case 16: return `+proj=sterea +lat_0=${lat0()} +lon_0=${lon0()} +k=${scale(G.ProjScaleAtNatOrigin)} ${fe()}`;
    case 17: return `+proj=eqc +lat_ts=${deg(G.ProjStdParallel1, G.ProjCenterLat)} +lat_0=${deg(G.ProjNatOriginLat)} +lon_0=${clon()} ${fe()}`;
    case 18: return `+proj=cass +lat_0=${lat0()} +lon_0=${lon0()} ${fe()}`;
    case 20: return `+proj=mill +lat_0=${clat()} +lon_0=${clon()} ${fe()}`;
    case 21: return `+proj=ortho +lat_0=${clat()} +lon_0=${clon()} ${fe()}`;
    case 22: return `+proj=poly +lat_0=${lat0()} +lon_0=${lon0()} ${fe()}`;
    case 23: return `+proj=robin +lon_0=${clon()} ${fe()}`;
    case 24: return `+proj=sinu +lon_0=${clon()} ${fe()}`;
    case 25: return `+proj=vandg +lon_0=${clon()} ${fe()}`;
    case 26: return `+proj=nzmg +lat_0=${lat0()} +lon_0=${lon0()} ${fe()}`;
    case 3: return `+proj=omerc +lat_0=${clat()} +lonc=${clon()} +alpha=${deg(G.ProjAzimuthAngle)} +gamma=${deg(G.ProjRectifiedGridAngle, G.ProjAzimuthAngle)} +k=${scale(G.ProjScaleAtCenter, G.ProjScaleAtNatOrigin)} ${fe()} +no_uoff`;
    default: break;
  }
  // GDAL writes only ProjectionGeoKey for a UTM zone on a non-EPSG datum.
  const projection = keyNumber(keys, G.Projection);
  if (projection !== undefined && projection >= 16001 && projection <= 16060) return `+proj=utm +zone=${projection - 16000}`;
  if (projection !== undefined && projection >= 16101 && projection <= 16160) return `+proj=utm +zone=${projection - 16100} +south`;
  return null;
}

function esriWkt(keys: ReadonlyMap<number, GeoKeyValue>): string | null {
  for (const id of [GeoKey.PCSCitation, GeoKey.GTCitation, GeoKey.GeogCitation]) {
    const c = keyString(keys, id);
    const m = c ? /ESRI PE String = (.*)$/s.exec(c) : null;
    if (m) return m[1];
  }
  return null;
}

export function crsFromGeoKeys(keys: ReadonlyMap<number, GeoKeyValue>): CrsResult {
  const notes: string[] = [];
  if (keys.size === 0) return { crs: null, notes };
  const model = keyNumber(keys, GeoKey.GTModelType);
  const pcs = keyNumber(keys, GeoKey.ProjectedCSType);
  const geog = keyNumber(keys, GeoKey.GeographicType);
  try {
    if (isCode(pcs)) {
      if (lookupEpsg(pcs)) return { crs: crsFromEpsg(pcs), notes };
      notes.push(`projected CRS EPSG:${pcs} is not in the bundled EPSG table`);
    }
    const wkt = esriWkt(keys);
    if (wkt) return { crs: crsFromDefinition(wkt, keyString(keys, GeoKey.PCSCitation) ?? keyString(keys, GeoKey.GTCitation)), notes };
    if (model === ModelType.Geographic || (model === undefined && pcs === undefined && geog !== undefined)) {
      if (isCode(geog) && lookupEpsg(geog)) return { crs: crsFromEpsg(geog), notes };
      const terms = datumTerms(keys, notes);
      if (terms) return { crs: crsFromDefinition(`+proj=longlat ${terms} +no_defs`, keyString(keys, GeoKey.GeogCitation) ?? 'user-defined geographic CRS'), notes };
    } else if (model === ModelType.Projected || pcs === USER_DEFINED) {
      const units = linearUnits(keys);
      const proj = projectionTerms(keys, units.factor);
      const terms = datumTerms(keys, notes) ?? '+ellps=WGS84';
      if (proj) {
        const name = keyString(keys, GeoKey.PCSCitation) ?? keyString(keys, GeoKey.GTCitation) ?? 'user-defined projected CRS';
        return { crs: crsFromDefinition(`${proj} ${terms} ${units.term} +no_defs`, name), notes };
      }
      notes.push('the projection in the GeoKeys is not one this reader can rebuild');
    } else if (model === ModelType.Geocentric) {
      notes.push('geocentric CRS are not supported for rasters');
    }
  } catch (e) {
    if (!(e instanceof SatError)) throw e;
    notes.push(e.message);
  }
  return { crs: null, notes };
}
