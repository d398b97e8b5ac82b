// CRS handling in the renderer: every raster's CRS arrives from the engine as a proj4 definition (RasterInfo.crs,
// from the bundled CRS table), and is registered with proj4 + OpenLayers under a code; nothing is fetched from
// the network (ol/proj/proj4's fromEPSGCode would call a web service).
import proj4 from 'proj4';
import { get as getProjection, transformExtent, toLonLat } from 'ol/proj';
import { register } from 'ol/proj/proj4';
import type { CrsInfo } from '../../shared/geometry';
import type { CrsRef } from '../../shared/contract';

/** The code a CRS is known by in this app: EPSG:n when it has one, else a code derived from its definition. */
export function crsCode(crs: CrsInfo): string {
  if (crs.epsg !== null) return `EPSG:${crs.epsg}`;
  let h = 0;
  for (let i = 0; i < crs.definition.length; i++) h = (Math.imul(h, 31) + crs.definition.charCodeAt(i)) | 0;
  return `SDF:${(h >>> 0).toString(16)}`;
}

/** Registers the CRS (idempotent) and returns its code, usable with ol/proj and as a CrsRef. */
export function registerCrs(crs: CrsInfo): string {
  const code = crsCode(crs);
  if (!getProjection(code)) {
    proj4.defs(code, crs.definition);
    register(proj4);
  }
  return code;
}

/** A CrsRef the engine can resolve: the EPSG code if known, else the full definition. */
export function crsRefFor(crs: CrsInfo): CrsRef {
  return crs.epsg !== null ? `EPSG:${crs.epsg}` : crs.definition;
}

export function isRegistered(code: string | null): boolean {
  return !!code && !!getProjection(code);
}

export function toLonLatSafe(xy: readonly [number, number], code: string): [number, number] | null {
  try {
    const [lon, lat] = toLonLat([xy[0], xy[1]], code);
    return Number.isFinite(lon) && Number.isFinite(lat) ? [lon!, lat!] : null;
  } catch {
    return null;
  }
}

export function reprojectExtent(extent: readonly [number, number, number, number], from: string, to: string): [number, number, number, number] {
  if (from === to) return [...extent] as [number, number, number, number];
  return transformExtent([...extent], from, to, 8) as [number, number, number, number];
}
