// The tags of each IFD of the COG (all but the tile arrays, which the layout adds): image structure on
// every level; georeferencing, GDAL metadata and software only on full resolution, as GDAL writes them;
// nodata and the colour map on every level so each overview reads the same as the full image.
import type { ResolvedCogOptions } from './cog-options';
import { crsEntries, transformEntries } from './georeference';
import { classNameItems, gdalMetadataXml, provenanceItems, type MetadataItem } from './gdal-metadata';
import { asciiEntry, numericEntry, type IfdEntry } from './ifd';
import { Compression, FieldType, Planar, PredictorCode, Tag } from '../../raster/tiff/tags';

export const SOFTWARE = 'SatDiFuser Studio';

const sizeEntry = (tag: number, v: number) => numericEntry(tag, v < 65536 ? FieldType.SHORT : FieldType.LONG, [v]);

/**
 * Metadata items of the file: caller's (or carried-over) items, then provenance, band descriptions and
 * class names. A later item replaces an earlier one with the same name, band and domain.
 */
export function metadataItems(o: ResolvedCogOptions): MetadataItem[] {
  const items: MetadataItem[] = [...o.metadata, ...(o.provenance ? provenanceItems(o.provenance) : [])];
  o.bandNames?.forEach((name, band) => { if (name) items.push({ name: 'DESCRIPTION', value: name, band, role: 'description' }); });
  if (o.classNames) items.push(...classNameItems(o.classNames));
  const byKey = new Map<string, MetadataItem>();
  for (const it of items) byKey.set(`${it.domain ?? ''}\u0000${it.band ?? ''}\u0000${it.name}`, it);
  return [...byKey.values()];
}

export function ifdEntries(o: ResolvedCogOptions, level: number): IfdEntry[] {
  const g = o.levels[level];
  const spp = o.bands;
  const e: IfdEntry[] = [];
  if (level > 0) e.push(numericEntry(Tag.NewSubfileType, FieldType.LONG, [1]));
  e.push(
    sizeEntry(Tag.ImageWidth, g.width),
    sizeEntry(Tag.ImageLength, g.height),
    numericEntry(Tag.BitsPerSample, FieldType.SHORT, new Array(spp).fill(o.type.bitsPerSample)),
    numericEntry(Tag.Compression, FieldType.SHORT, [o.compression === 'deflate' ? Compression.Deflate : Compression.None]),
    numericEntry(Tag.Photometric, FieldType.SHORT, [o.photometric]),
    numericEntry(Tag.SamplesPerPixel, FieldType.SHORT, [spp]),
    numericEntry(Tag.PlanarConfiguration, FieldType.SHORT, [o.interleave === 'band' ? Planar.Separate : Planar.Contiguous]),
    numericEntry(Tag.TileWidth, FieldType.SHORT, [o.tileSize]),
    numericEntry(Tag.TileLength, FieldType.SHORT, [o.tileSize]),
    numericEntry(Tag.SampleFormat, FieldType.SHORT, new Array(spp).fill(o.type.sampleFormat)),
  );
  if (o.predictor !== PredictorCode.None) e.push(numericEntry(Tag.Predictor, FieldType.SHORT, [o.predictor]));
  if (o.colorMap) e.push(numericEntry(Tag.ColorMap, FieldType.SHORT, o.colorMap));
  if (o.extraSamples.length > 0) e.push(numericEntry(Tag.ExtraSamples, FieldType.SHORT, o.extraSamples));
  if (o.nodataText !== null) e.push(asciiEntry(Tag.GdalNodata, o.nodataText));
  if (level === 0) {
    e.push(asciiEntry(Tag.Software, SOFTWARE));
    if (o.transform) e.push(...transformEntries(o.transform));
    if (o.crs) e.push(...crsEntries(o.crs));
    const xml = gdalMetadataXml(metadataItems(o));
    if (xml) e.push(asciiEntry(Tag.GdalMetadata, xml));
  }
  return e;
}
