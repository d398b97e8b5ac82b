// The GeoTIFF GeoKey directory (tag 34735) decoded into key → value, values resolved from the SHORT directory,
// GeoDoubleParams or GeoAsciiParams. Malformed entries are skipped (as libgeotiff does) rather than fatal:
// a raster whose georeferencing is damaged is still a readable pixel raster.
import type { TagValue } from './structure';
import { Tag } from './tags';

export type GeoKeyValue = number | number[] | string;

export const GeoKey = {
  GTModelType: 1024,
  GTRasterType: 1025,
  GTCitation: 1026,
  GeographicType: 2048,
  GeogCitation: 2049,
  GeogGeodeticDatum: 2050,
  GeogPrimeMeridian: 2051,
  GeogLinearUnits: 2052,
  GeogAngularUnits: 2054,
  GeogEllipsoid: 2056,
  GeogSemiMajorAxis: 2057,
  GeogSemiMinorAxis: 2058,
  GeogInvFlattening: 2059,
  GeogPrimeMeridianLong: 2061,
  ProjectedCSType: 3072,
  PCSCitation: 3073,
  Projection: 3074,
  ProjCoordTrans: 3075,
  ProjLinearUnits: 3076,
  ProjLinearUnitSize: 3077,
  ProjStdParallel1: 3078,
  ProjStdParallel2: 3079,
  ProjNatOriginLong: 3080,
  ProjNatOriginLat: 3081,
  ProjFalseEasting: 3082,
  ProjFalseNorthing: 3083,
  ProjFalseOriginLong: 3084,
  ProjFalseOriginLat: 3085,
  ProjFalseOriginEasting: 3086,
  ProjFalseOriginNorthing: 3087,
  ProjCenterLong: 3088,
  ProjCenterLat: 3089,
  ProjCenterEasting: 3090,
  ProjCenterNorthing: 3091,
  ProjScaleAtNatOrigin: 3092,
  ProjScaleAtCenter: 3093,
  ProjAzimuthAngle: 3094,
  ProjStraightVertPoleLong: 3095,
  ProjRectifiedGridAngle: 3096,
  VerticalCSType: 4096,
} as const;

/** GTModelTypeGeoKey values. */
export const ModelType = { Projected: 1, Geographic: 2, Geocentric: 3 } as const;
/** GTRasterTypeGeoKey values: does a pixel's coordinate name its corner (area) or its centre (point)? */
export const RasterType = { PixelIsArea: 1, PixelIsPoint: 2 } as const;
/** The GeoKey value for "user-defined": the definition is in other keys or in a citation. */
export const USER_DEFINED = 32767;

export function parseGeoKeys(values: ReadonlyMap<number, TagValue>): Map<number, GeoKeyValue> {
  const keys = new Map<number, GeoKeyValue>();
  const dir = values.get(Tag.GeoKeyDirectory);
  if (!(dir instanceof Float64Array) || dir.length < 4) return keys;
  const doubles = values.get(Tag.GeoDoubleParams);
  const ascii = values.get(Tag.GeoAsciiParams);
  const n = Math.min(dir[3], Math.floor((dir.length - 4) / 4));
  for (let i = 0; i < n; i++) {
    const [id, location, count, offset] = dir.subarray(4 + i * 4, 8 + i * 4);
    if (location === 0) {
      keys.set(id, offset);
    } else if (location === Tag.GeoDoubleParams && doubles instanceof Float64Array) {
      if (offset + count > doubles.length || count < 1) continue;
      const v = Array.from(doubles.subarray(offset, offset + count));
      keys.set(id, v.length === 1 ? v[0] : v);
    } else if (location === Tag.GeoAsciiParams && typeof ascii === 'string') {
      if (offset + count > ascii.length + 1 || count < 1) continue;
      keys.set(id, ascii.substring(offset, offset + count).replace(/\|$/, '').replace(/\0/g, ''));
    } else if (location === Tag.GeoKeyDirectory) {
      if (offset + count > dir.length || count < 1) continue;
      const v = Array.from(dir.subarray(offset, offset + count));
      keys.set(id, v.length === 1 ? v[0] : v);
    }
  }
  return keys;
}

export function keyNumber(keys: ReadonlyMap<number, GeoKeyValue>, id: number): number | undefined {
  const v = keys.get(id);
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function keyString(keys: ReadonlyMap<number, GeoKeyValue>, id: number): string | undefined {
  const v = keys.get(id);
  return typeof v === 'string' ? v : undefined;
}
