// Text and JSON renderings of RasterInfo shared by `info` and `demo`: the text follows gdalinfo's summary
// (same headings, corner coordinates with lon/lat in degrees-minutes-seconds) so GDAL users read it at a glance.
import type { RasterInfo } from '../../shared/raster';
import { pixelToCrs } from '../../engine/geo/affine';
import { WGS84 } from '../../engine/geo/crs';
import { transformPoint } from '../../engine/geo/reproject';

const GDAL_TYPE: Record<string, string> = {
  uint8: 'Byte', int8: 'Int8', uint16: 'UInt16', int16: 'Int16', uint32: 'UInt32', int32: 'Int32', float32: 'Float32', float64: 'Float64',
};

export const gdalTypeName = (t: string): string => GDAL_TYPE[t] ?? t;

/** gdalinfo's DMS form: 34d54'58.20"W. */
export function dms(value: number, pos: string, neg: string, degWidth = 3): string {
  const hemi = value < 0 ? neg : pos;
  let v = Math.abs(value);
  let d = Math.floor(v);
  v = (v - d) * 60;
  let m = Math.floor(v);
  let s = Number(((v - m) * 60).toFixed(2));
  if (s >= 60) { s -= 60; m += 1; }
  if (m >= 60) { m -= 60; d += 1; }
  return `${String(d).padStart(degWidth)}d${String(m).padStart(2)}'${s.toFixed(2).padStart(5)}"${hemi}`;
}

export const nodataJson = (v: number | null): number | string | null =>
  v === null ? null : Number.isNaN(v) ? 'nan' : v === Infinity ? 'inf' : v === -Infinity ? '-inf' : v;

function corners(info: RasterInfo): [string, [number, number]][] {
  const { width: w, height: h } = info;
  return [
    ['upperLeft', [0, 0]], ['lowerLeft', [0, h]], ['upperRight', [w, 0]], ['lowerRight', [w, h]], ['center', [w / 2, h / 2]],
  ];
}

function lonLat(info: RasterInfo, p: readonly [number, number]): [number, number] | null {
  if (!info.crs) return null;
  try {
    return transformPoint(info.crs, WGS84, p);
  } catch {
    return null;
  }
}

export function infoJson(info: RasterInfo): Record<string, unknown> {
  const cornerCoordinates: Record<string, [number, number]> = {};
  const wgs84: Record<string, [number, number] | null> = {};
  for (const [name, px] of corners(info)) {
    const p = pixelToCrs(info.transform, px);
    cornerCoordinates[name] = [p[0], p[1]];
    wgs84[name] = info.georeferenced ? lonLat(info, p) : null;
  }
  return {
    path: info.path,
    format: info.format,
    width: info.width,
    height: info.height,
    bands: info.bands,
    dataType: info.dataType,
    epsg: info.epsg,
    crs: info.crs ? { name: info.crs.name, definition: info.crs.definition, units: info.crs.units } : null,
    georeferenced: info.georeferenced,
    pixelSize: [...info.pixelSize],
    origin: [...info.origin],
    transform: [...info.transform],
    nodata: nodataJson(info.nodata),
    overviews: info.overviews.length,
    overviewSizes: info.overviews.map((o) => [o.width, o.height]),
    blockSize: [...info.blockSize],
    tiled: info.tiled,
    compression: info.compression,
    interleave: info.interleave,
    bigTiff: info.bigTiff,
    bandNames: [...info.bandNames],
    mask: info.mask,
    cornerCoordinates,
    wgs84Corners: info.georeferenced && info.crs ? wgs84 : null,
    notes: [...info.notes],
  };
}

const num = (v: number, digits = 15): string => (Number.isInteger(v) ? v.toFixed(digits === 3 ? 3 : 15) : v.toFixed(digits));

export function infoText(info: RasterInfo): string {
  const L: string[] = [];
  L.push(`Driver: ${info.format === 'GeoTIFF' ? 'GTiff/GeoTIFF' : info.format === 'PNG' ? 'PNG/Portable Network Graphics' : 'JPEG/JPEG JFIF'}`);
  L.push(`Files: ${info.path}`);
  L.push(`Size is ${info.width}, ${info.height}`);
  if (info.crs) {
    L.push(`Coordinate System is: ${info.epsg !== null ? `EPSG:${info.epsg} ` : ''}(${info.crs.name})`);
    L.push(`  proj4: ${info.crs.definition}`);
  } else {
    L.push(info.georeferenced ? 'Coordinate System is: unknown' : 'Coordinate System is: none (pixel raster)');
  }
  if (info.georeferenced) {
    if (info.transform[2] === 0 && info.transform[4] === 0) {
      L.push(`Origin = (${num(info.origin[0])},${num(info.origin[1])})`);
      L.push(`Pixel Size = (${num(info.pixelSize[0])},${num(info.pixelSize[1])})`);
    } else {
      L.push('GeoTransform =');
      L.push(`  ${info.transform.map((v) => num(v)).join(', ')}`);
    }
  }
  L.push('Image Structure Metadata:');
  L.push(`  COMPRESSION=${info.compression}`);
  L.push(`  INTERLEAVE=${info.interleave.toUpperCase()}`);
  if (info.bigTiff) L.push('  BIGTIFF=YES');
  L.push('Corner Coordinates:');
  const labels: Record<string, string> = { upperLeft: 'Upper Left', lowerLeft: 'Lower Left', upperRight: 'Upper Right', lowerRight: 'Lower Right', center: 'Center' };
  for (const [name, px] of corners(info)) {
    const p = pixelToCrs(info.transform, px);
    const deg = info.crs?.units === 'degree';
    const xy = deg ? `${p[0].toFixed(7).padStart(12)}, ${p[1].toFixed(7).padStart(11)}` : `${p[0].toFixed(3).padStart(12)}, ${p[1].toFixed(3).padStart(11)}`;
    const ll = info.georeferenced ? lonLat(info, p) : null;
    L.push(`${labels[name].padEnd(11)} (${xy})${ll ? ` (${dms(ll[0], 'E', 'W')}, ${dms(ll[1], 'N', 'S', 2)})` : ''}`);
  }
  for (let b = 0; b < info.bands; b++) {
    const name = info.bandNames[b];
    L.push(`Band ${b + 1} Block=${info.blockSize[0]}x${info.blockSize[1]} Type=${gdalTypeName(info.dataType)}${name ? `, Description = ${name}` : ''}`);
    if (info.nodata !== null) L.push(`  NoData Value=${nodataJson(info.nodata)}`);
    if (info.overviews.length) L.push(`  Overviews: ${info.overviews.map((o) => `${o.width}x${o.height}`).join(', ')}`);
    if (info.mask === 'internal') L.push('  Mask Flags: PER_DATASET');
    else if (info.mask === 'alpha') L.push('  Mask Flags: PER_DATASET ALPHA');
  }
  for (const n of info.notes) L.push(`Note: ${n}`);
  return L.join('\n') + '\n';
}
