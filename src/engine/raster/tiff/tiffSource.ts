// A GeoTIFF / BigTIFF / COG as a RasterSource: the bounded IFD walk, validated image layouts, GeoKeys → CRS,
// GDAL metadata, and windowed reads through the shared block cache. Overviews are the file's reduced-resolution
// IFDs; an internal GDAL mask (and its overviews) and alpha bands feed the validity mask.
import { SatError } from '../../../shared/errors';
import type { GeoTransform, PixelWindow } from '../../../shared/geometry';
import type { RasterInfo } from '../../../shared/raster';
import { BlockCache } from '../blockCache';
import type { ByteSource } from '../byteSource';
import { createBlockDecoder } from '../codec/blockDecoder';
import type { RasterSource, ReadRequest, RasterBlock } from '../source';
import { readWindow, type Level, type ReadContext } from '../windowedRead';
import { parseGdalMetadata, parseNodata } from './gdalMetadata';
import { crsFromGeoKeys } from './geokeyCrs';
import { parseGeoKeys } from './geokeys';
import { georefFromTags } from './georef';
import { describeImage, type TiffImage } from './image';
import { readTiffStructure, type Ifd } from './structure';
import { Tag } from './tags';
import { readImageWindow, type ImageReader } from './windowRead';

const REDUCED = 1;
const MASK = 4;

function imageLevel(reader: ImageReader, mask: ImageReader | null): Level {
  return {
    width: reader.image.width,
    height: reader.image.height,
    read: (win, samples, fill, signal) => readImageWindow(reader, win, samples, fill, signal),
    readMask: mask
      ? async (win: PixelWindow, signal?: AbortSignal) => (await readImageWindow(mask, win, [0], 0, signal))[0] as Uint8Array
      : undefined,
  };
}

export interface TiffOpenOptions {
  readonly signal?: AbortSignal;
  readonly cacheBytes?: number;
}

export async function openTiff(source: ByteSource, opts: TiffOpenOptions = {}): Promise<RasterSource> {
  const path = source.name;
  const structure = await readTiffStructure(source, opts.signal);
  const { ifds, littleEndian } = structure;
  const notes: string[] = [];
  const mainIndex = ifds.findIndex((d) => ((d.values.get(Tag.NewSubfileType) as Float64Array | undefined)?.[0] ?? 0) === 0);
  const main = describeImage(ifds[mainIndex < 0 ? 0 : mainIndex], mainIndex < 0 ? 0 : mainIndex, path, source.size);
  const cache = new BlockCache(opts.cacheBytes ?? 64 * 2 ** 20);
  const reader = (img: TiffImage): ImageReader => ({ image: img, source, cache, decoder: createBlockDecoder(img, littleEndian, path) });

  // Overviews and masks: a corrupt one is dropped with a note (GDAL would fail only when it is read).
  const overviews: TiffImage[] = [];
  const masks: TiffImage[] = [];
  ifds.forEach((ifd: Ifd, i) => {
    if (i === main.ifdIndex) return;
    const type = (ifd.values.get(Tag.NewSubfileType) as Float64Array | undefined)?.[0] ?? 0;
    if (!(type & (REDUCED | MASK))) return;
    try {
      const img = describeImage(ifd, i, path, source.size);
      if (type & MASK) {
        if (img.samplesPerPixel === 1 && img.width <= main.width && img.height <= main.height) masks.push(img);
      } else if (img.samplesPerPixel === main.samplesPerPixel && img.dataType === main.dataType && img.width < main.width + 1 && img.height < main.height + 1 && (img.width < main.width || img.height < main.height)) {
        overviews.push(img);
      }
    } catch (e) {
      if (!(e instanceof SatError)) throw e;
      notes.push(`${type & MASK ? 'mask' : 'overview'} #${i} ignored: ${e.message}`);
    }
  });
  overviews.sort((a, b) => b.width - a.width);
  const maskAt = (w: number, h: number): TiffImage | null => masks.find((m) => m.width === w && m.height === h) ?? null;
  const mainMask = maskAt(main.width, main.height);
  const levelImages = [main, ...overviews];
  const levels = levelImages.map((img) => {
    const m = mainMask ? maskAt(img.width, img.height) : null;
    return imageLevel(reader(img), m ? reader(m) : null);
  });

  const values = ifds[main.ifdIndex].values;
  const keys = parseGeoKeys(values);
  const georef = georefFromTags(values, keys);
  const crs = crsFromGeoKeys(keys);
  notes.push(...georef.notes, ...crs.notes.map((n) => `CRS: ${n}`));
  const georeferenced = georef.transform !== null;
  if (!georeferenced) notes.push('no georeferencing: opened as a pixel raster (pixel coordinates, no map position)');
  else if (!crs.crs) notes.push('georeferenced without a known CRS: coordinates are in unknown units');
  const transform: GeoTransform = georef.transform ?? [0, 1, 0, 0, 0, 1];

  const gdal = parseGdalMetadata(values.get(Tag.GdalMetadata) as string | undefined);
  const bandNames = Array.from({ length: main.samplesPerPixel }, (_, b) =>
    gdal.find((it) => it.sample === b && (it.role === 'description' || it.name === 'DESCRIPTION'))?.value ?? null);
  const nodata = parseNodata(values.get(Tag.GdalNodata) as string | undefined);
  const extra = main.extraSamples;
  const alphaOffset = extra.findIndex((e) => e === 1 || e === 2);
  let alphaSample: number | null = alphaOffset >= 0 ? main.samplesPerPixel - extra.length + alphaOffset : null;
  // GDAL lets a band's colour interpretation in GDAL_METADATA override ExtraSamples (and only an "Alpha" band masks).
  const colorInterp = (b: number): string | undefined => gdal.find((it) => it.sample === b && it.role === 'colorinterp')?.value;
  if (alphaSample !== null && colorInterp(alphaSample) !== undefined && colorInterp(alphaSample) !== 'Alpha') alphaSample = null;
  if (alphaSample === null) {
    const declared = bandNames.findIndex((_, b) => colorInterp(b) === 'Alpha');
    if (declared >= 0) alphaSample = declared;
  }
  const mask: RasterInfo['mask'] = mainMask ? 'internal' : alphaSample !== null ? 'alpha' : nodata !== null ? 'nodata' : 'none';
  if (main.photometric === 3) notes.push('palette image: values are colour-table indices');

  const info: RasterInfo = {
    path,
    width: main.width,
    height: main.height,
    bands: main.samplesPerPixel,
    dataType: main.dataType,
    nodata,
    epsg: crs.crs?.epsg ?? null,
    crs: georeferenced ? crs.crs : null,
    georeferenced,
    transform,
    pixelSize: [transform[1], transform[5]],
    origin: [transform[0], transform[3]],
    overviews: overviews.map((o) => ({ width: o.width, height: o.height })),
    blockSize: [main.blockWidth, main.blockHeight],
    tiled: main.tiled,
    compression: main.compressionName,
    bigTiff: structure.bigTiff,
    bandNames,
    interleave: main.planar === 1 && main.samplesPerPixel > 1 ? 'pixel' : 'band',
    format: 'GeoTIFF',
    mask,
    notes,
  };
  const ctx: ReadContext = { info, levels, alphaSample };
  let closed = false;
  return {
    info,
    read(req: ReadRequest): Promise<RasterBlock> {
      if (closed) return Promise.reject(new SatError('INVALID_ARGUMENT', `"${path}" was closed; open it again to read.`));
      return readWindow(ctx, req);
    },
    async close() {
      if (closed) return;
      closed = true;
      cache.clear();
      await source.close();
    },
  };
}
