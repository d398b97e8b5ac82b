// What a rewrite (satdifuser cog) carries from a source GeoTIFF beyond its pixels, so nothing a GIS
// user set is lost: the GeoKeys verbatim (any CRS GDAL wrote, user-defined ones included), the colour
// table, RGB/alpha interpretation, every GDAL_METADATA item with its domain, and category names (from
// the PAM sidecar GDAL keeps them in, or our CLASS_<n> items). Tags are read with the raster reader's
// bounded TIFF walk, so a damaged header fails the same typed way as the read itself.
import { readFile } from 'node:fs/promises';
import type { RasterInfo } from '../../../shared/raster';
import { FileByteSource } from '../../raster/byteSource';
import { parseGdalMetadata, unescapeXml } from '../../raster/tiff/gdalMetadata';
import { GeoKey, RasterType } from '../../raster/tiff/geokeys';
import { readTiffStructure, type TagValue } from '../../raster/tiff/structure';
import { Tag } from '../../raster/tiff/tags';
import type { ColorEntry } from './cog-options';
import type { MetadataItem } from './gdal-metadata';
import type { CrsSpec } from './georeference';

export interface CarryOver {
  readonly crs: CrsSpec | null;
  readonly colorTable: ColorEntry[] | null;
  readonly photometric: 'rgb' | 'minisblack';
  readonly alpha: boolean;
  readonly metadata: MetadataItem[];
  readonly classNames: (string | null)[] | null;
}

const ROLES = new Set(['description', 'offset', 'scale', 'unittype', 'colorinterp']);

/** GDAL_METADATA items the writer can write again: names GDAL can key on, roles it knows. */
export function parseMetadataItems(xml: string): MetadataItem[] {
  return parseGdalMetadata(xml)
    .filter((it) => /^[A-Za-z_][A-Za-z0-9_.:-]*$/.test(it.name))
    .map(({ name, value, sample, role, domain }) => ({
      name,
      value,
      ...(sample !== null && sample >= 0 ? { band: sample } : {}),
      ...(role && ROLES.has(role) ? { role: role as MetadataItem['role'] } : {}),
      ...(domain ? { domain } : {}),
    }));
}

/** Category names of band 1 from a GDAL PAM sidecar, or null. */
export function parsePamCategories(xml: string): (string | null)[] | null {
  const band = /<PAMRasterBand\b[^>]*\bband="1"[^>]*>([\s\S]*?)<\/PAMRasterBand>/.exec(xml)?.[1];
  const list = band && /<CategoryNames>([\s\S]*?)<\/CategoryNames>/.exec(band)?.[1];
  if (!list) return null;
  const names = [...list.matchAll(/<Category\s*\/>|<Category>([\s\S]*?)<\/Category>/g)].map((m) => (m[1] ? unescapeXml(m[1]) : null));
  return names.some((n) => n) ? names : null;
}

const numbers = (v: TagValue | undefined): Float64Array | null => (v instanceof Float64Array ? v : null);

/** The GeoKeys to copy, with the raster type forced to PixelIsArea: the reader already turned a
 *  PixelIsPoint tie point into GDAL's corner convention, and the writer writes that transform. */
function geoKeysSpec(values: ReadonlyMap<number, TagValue>): CrsSpec | null {
  const dir = numbers(values.get(Tag.GeoKeyDirectory));
  if (!dir || dir.length < 4 || dir.length !== 4 + 4 * dir[3] || dir[3] === 0) return null;
  const directory = Array.from(dir);
  for (let k = 4; k < directory.length; k += 4) {
    if (directory[k] === GeoKey.GTRasterType && directory[k + 1] === 0) directory[k + 3] = RasterType.PixelIsArea;
  }
  const doubles = numbers(values.get(Tag.GeoDoubleParams));
  const ascii = values.get(Tag.GeoAsciiParams);
  return { kind: 'geokeys', directory, doubles: doubles ? Array.from(doubles) : undefined, ascii: typeof ascii === 'string' ? ascii : undefined };
}

function colorTable(values: ReadonlyMap<number, TagValue>): ColorEntry[] | null {
  const map = numbers(values.get(Tag.ColorMap));
  if (!map || map.length % 3 !== 0) return null;
  const n = map.length / 3;
  // 16-bit TIFF colours to 8-bit as GDAL reads them (value / 257).
  return Array.from({ length: n }, (_, i) => [0, 1, 2].map((k) => Math.min(255, Math.round(map[k * n + i] / 257))) as unknown as ColorEntry);
}

/** Tags of the source worth keeping; null when the source is not a TIFF (PNG, JPEG). */
export async function readCarryOver(info: RasterInfo, signal?: AbortSignal): Promise<CarryOver | null> {
  if (info.format !== 'GeoTIFF') return null;
  const source = await FileByteSource.open(info.path);
  let values: ReadonlyMap<number, TagValue>;
  try {
    const { ifds } = await readTiffStructure(source, signal);
    const main = ifds.find((d) => ((numbers(d.values.get(Tag.NewSubfileType))?.[0] ?? 0) & 5) === 0) ?? ifds[0];
    values = main.values;
  } finally {
    await source.close();
  }
  const photometric = numbers(values.get(Tag.Photometric))?.[0];
  const extra = numbers(values.get(Tag.ExtraSamples));
  const gdalXml = values.get(Tag.GdalMetadata);
  const metadata = typeof gdalXml === 'string' ? parseMetadataItems(gdalXml) : [];
  let classNames: (string | null)[] | null = null;
  try {
    classNames = parsePamCategories(await readFile(`${info.path}.aux.xml`, 'utf8'));
  } catch { /* no sidecar */ }
  if (!classNames) {
    const byValue = metadata.filter((m) => m.band === 0 && !m.domain && /^CLASS_\d+$/.test(m.name));
    if (byValue.length > 0) {
      classNames = [];
      for (const m of byValue) classNames[Number(m.name.slice(6))] = m.value;
      classNames = Array.from(classNames, (n) => n ?? null);
    }
  }
  const table = photometric === 3 && info.bands === 1 ? colorTable(values) : null;
  return {
    crs: geoKeysSpec(values),
    colorTable: table,
    // YCbCr (JPEG) sources are decoded to RGB by the reader.
    photometric: photometric === 2 || photometric === 6 ? 'rgb' : 'minisblack',
    alpha: extra !== null && extra.length > 0 && (extra[extra.length - 1] === 1 || extra[extra.length - 1] === 2),
    metadata,
    classNames: classNames && info.bands === 1 && !info.dataType.startsWith('float') ? classNames : null,
  };
}

/** The CRS of a non-TIFF source (or one whose GeoKeys are unusable), from what the reader resolved. */
export function crsSpecFromInfo(info: RasterInfo): CrsSpec | null {
  const crs = info.crs;
  if (!crs) return null;
  if (crs.epsg !== null && crs.epsg >= 1024 && crs.epsg <= 32766) return { kind: 'epsg', code: crs.epsg, geographic: crs.units === 'degree', name: crs.name || undefined };
  if (/^\s*[A-Z_]+\s*\[/i.test(crs.definition)) return { kind: 'wkt', wkt: crs.definition, geographic: crs.units === 'degree' };
  return null;
}
