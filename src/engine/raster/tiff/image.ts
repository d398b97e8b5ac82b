// One TIFF image (IFD) described and validated: pixel layout, blocks, compression. Everything a block read
// relies on is checked here once, so corrupt dimensions, block counts or codecs fail at open with a typed
// error, never in the middle of a read (or as a multi-gigabyte allocation).
import { AbsurdSizeError, CorruptRasterError, UnsupportedRasterError } from '../../../shared/errors';
import type { RasterDataType } from '../../../shared/raster';
import type { Ifd, TagValue } from './structure';
import { compressionNames, Tag } from './tags';

export interface TiffImage {
  readonly ifdIndex: number;
  readonly width: number;
  readonly height: number;
  readonly samplesPerPixel: number;
  readonly bitsPerSample: number;
  readonly sampleFormat: 1 | 2 | 3;
  readonly dataType: RasterDataType;
  /** Bytes per sample once decoded (1-bit samples are expanded to one byte). */
  readonly bytesPerSample: number;
  readonly planar: 1 | 2;
  readonly compression: number;
  readonly compressionName: string;
  readonly predictor: 1 | 2 | 3;
  readonly photometric: number;
  readonly tiled: boolean;
  readonly blockWidth: number;
  readonly blockHeight: number;
  readonly blocksAcross: number;
  readonly blocksDown: number;
  readonly offsets: Float64Array;
  readonly byteCounts: Float64Array;
  readonly newSubfileType: number;
  readonly extraSamples: readonly number[];
  readonly jpegTables: Uint8Array | null;
  readonly lercParameters: Float64Array | null;
  readonly colorMap: Float64Array | null;
}

// Codecs this reader decodes (node:zlib, its own LZW/PackBits, geotiff.js for JPEG, LERC and ZSTD).
const SUPPORTED_COMPRESSION = new Set([1, 5, 7, 8, 32773, 32946, 34887, 50000]);
// A decoded block above this is either corruption or a layout no tiling pipeline should be fed.
export const MAX_BLOCK_BYTES = 256 * 1024 * 1024;

function num(values: ReadonlyMap<number, TagValue>, tag: number): number | undefined {
  const v = values.get(tag);
  return v instanceof Float64Array && v.length > 0 ? v[0] : undefined;
}

function arr(values: ReadonlyMap<number, TagValue>, tag: number): Float64Array | undefined {
  const v = values.get(tag);
  return v instanceof Float64Array ? v : undefined;
}

function dataTypeOf(format: number, bits: number): RasterDataType | null {
  if (format === 1) return bits === 1 || bits === 8 ? 'uint8' : bits === 16 ? 'uint16' : bits === 32 ? 'uint32' : null;
  if (format === 2) return bits === 8 ? 'int8' : bits === 16 ? 'int16' : bits === 32 ? 'int32' : null;
  if (format === 3) return bits === 32 ? 'float32' : bits === 64 ? 'float64' : null;
  return null;
}

const isPositiveInt = (v: number | undefined): v is number => v !== undefined && Number.isSafeInteger(v) && v > 0;

export function describeImage(ifd: Ifd, ifdIndex: number, path: string, fileSize: number): TiffImage {
  const v = ifd.values;
  const where = ifdIndex === 0 ? 'the image' : `image #${ifdIndex} (an overview or mask)`;
  const width = num(v, Tag.ImageWidth);
  const height = num(v, Tag.ImageLength);
  if (!isPositiveInt(width) || !isPositiveInt(height)) {
    throw new CorruptRasterError(path, `${where} has an invalid size ${width}×${height}`);
  }
  const spp = num(v, Tag.SamplesPerPixel) ?? 1;
  if (!isPositiveInt(spp) || spp > 65535) throw new CorruptRasterError(path, `${where} has ${spp} samples per pixel`);
  const bpsArr = arr(v, Tag.BitsPerSample);
  const bits = bpsArr?.[0] ?? 1;
  if (bpsArr && bpsArr.some((b) => b !== bits)) {
    throw new UnsupportedRasterError(path, `bands of different bit depths (${Array.from(bpsArr).join(', ')})`);
  }
  const fmtArr = arr(v, Tag.SampleFormat);
  const format = fmtArr?.[0] ?? 1;
  if (fmtArr && fmtArr.some((f) => f !== format)) {
    throw new UnsupportedRasterError(path, `bands of different sample formats (${Array.from(fmtArr).join(', ')})`);
  }
  const dataType = dataTypeOf(format, bits);
  if (!dataType) {
    const kind = format === 1 ? 'unsigned' : format === 2 ? 'signed' : format === 3 ? 'floating-point' : `format-${format}`;
    throw new UnsupportedRasterError(path, `${bits}-bit ${kind} samples`,
      'Supported: 8/16/32-bit integers and 32/64-bit floats. Convert with e.g. gdal_translate -ot Float32 in.tif out.tif.');
  }
  const planar = num(v, Tag.PlanarConfiguration) ?? 1;
  if (planar !== 1 && planar !== 2) throw new CorruptRasterError(path, `${where} has PlanarConfiguration ${planar}`);
  const compression = num(v, Tag.Compression) ?? 1;
  const compressionName = compressionNames[compression] ?? `compression ${compression}`;
  if (!SUPPORTED_COMPRESSION.has(compression)) {
    throw new UnsupportedRasterError(path, `${compressionName} compression (TIFF code ${compression})`,
      'Convert it with GDAL, e.g. gdal_translate -co COMPRESS=DEFLATE -co TILED=YES in.tif out.tif.');
  }
  const predictor = num(v, Tag.Predictor) ?? 1;
  if (predictor !== 1 && predictor !== 2 && predictor !== 3) {
    throw new UnsupportedRasterError(path, `TIFF predictor ${predictor}`);
  }
  if (predictor === 3 && format !== 3) throw new CorruptRasterError(path, 'the floating-point predictor is set on integer data');
  if (bits === 1 && (compression === 7 || predictor !== 1)) throw new CorruptRasterError(path, '1-bit data with JPEG or a predictor');
  const photometric = num(v, Tag.Photometric) ?? (spp >= 3 ? 2 : 1);
  if (photometric === 6 && compression !== 7) {
    throw new UnsupportedRasterError(path, 'YCbCr colour without JPEG compression', 'Convert it with gdal_translate -co PHOTOMETRIC=RGB in.tif out.tif.');
  }
  if (compression === 7 && bits !== 8) throw new UnsupportedRasterError(path, `${bits}-bit JPEG`);

  const tiled = v.has(Tag.TileOffsets) || v.has(Tag.TileWidth);
  let blockWidth: number;
  let blockHeight: number;
  if (tiled) {
    const tw = num(v, Tag.TileWidth);
    const th = num(v, Tag.TileLength);
    if (!isPositiveInt(tw) || !isPositiveInt(th)) throw new CorruptRasterError(path, `${where} has an invalid tile size ${tw}×${th}`);
    blockWidth = tw;
    blockHeight = th;
  } else {
    const rps = num(v, Tag.RowsPerStrip);
    blockWidth = width;
    // RowsPerStrip defaults to "all rows"; libtiff reads 0 or a huge value the same way.
    blockHeight = rps === undefined || !Number.isFinite(rps) || rps <= 0 || rps > height ? height : Math.floor(rps);
  }
  const bytesPerSample = bits === 1 ? 1 : bits / 8;
  const samplesPerBlockPixel = planar === 1 ? spp : 1;
  const blockBytes = blockWidth * blockHeight * samplesPerBlockPixel * bytesPerSample;
  if (blockBytes > MAX_BLOCK_BYTES) {
    throw new AbsurdSizeError(
      `"${path}": one ${tiled ? 'tile' : 'strip'} of ${where} would decode to ${(blockBytes / 2 ** 20).toFixed(0)} MiB.`,
      'Rewrite it tiled, e.g. gdal_translate -co TILED=YES -co BLOCKXSIZE=512 -co BLOCKYSIZE=512 in.tif out.tif.',
      { path, blockWidth, blockHeight, samplesPerBlockPixel, bytesPerSample },
    );
  }
  const blocksAcross = Math.ceil(width / blockWidth);
  const blocksDown = Math.ceil(height / blockHeight);
  const expected = blocksAcross * blocksDown * (planar === 2 ? spp : 1);
  const offsets = arr(v, tiled ? Tag.TileOffsets : Tag.StripOffsets);
  const byteCounts = arr(v, tiled ? Tag.TileByteCounts : Tag.StripByteCounts);
  if (!offsets || !byteCounts) {
    throw new CorruptRasterError(path, `${where} has no ${tiled ? 'tile' : 'strip'} offsets or byte counts`);
  }
  if (offsets.length < expected || byteCounts.length < expected) {
    throw new CorruptRasterError(path,
      `${where} is ${width}×${height} in ${blockWidth}×${blockHeight} blocks, which needs ${expected} blocks, but the file lists ${Math.min(offsets.length, byteCounts.length)}`);
  }
  // Compressed data can exceed raw size only slightly (LZW worst case ≈ 1.5×); anything beyond is corruption
  // and must not turn into a huge read.
  const maxCompressed = blockBytes * 2 + 65536;
  for (let i = 0; i < expected; i++) {
    const o = offsets[i];
    const n = byteCounts[i];
    if (n === 0) continue; // sparse block: GDAL reads it as nodata/0
    if (!Number.isSafeInteger(o) || !Number.isSafeInteger(n) || o < 0 || n < 0 || o + n > fileSize || n > maxCompressed) {
      throw new CorruptRasterError(path, `block ${i} of ${where} points at bytes ${o}–${o + n} of a ${fileSize}-byte file`);
    }
  }
  const extra = arr(v, Tag.ExtraSamples);
  const jpegTables = v.get(Tag.JPEGTables);
  const colorMap = arr(v, Tag.ColorMap) ?? null;
  if (photometric === 3 && (!colorMap || colorMap.length < 3 * 2 ** bits || bits > 16)) {
    throw new CorruptRasterError(path, `${where} is a palette image without a complete colour map`);
  }
  const img: TiffImage = {
    ifdIndex, width, height, samplesPerPixel: spp, bitsPerSample: bits, sampleFormat: format as 1 | 2 | 3, dataType,
    bytesPerSample, planar, compression, compressionName, predictor, photometric, tiled, blockWidth, blockHeight,
    blocksAcross, blocksDown, offsets, byteCounts,
    newSubfileType: num(v, Tag.NewSubfileType) ?? 0,
    extraSamples: extra ? Array.from(extra) : [],
    jpegTables: jpegTables instanceof Uint8Array ? jpegTables : null,
    lercParameters: arr(v, Tag.LercParameters) ?? null,
    colorMap,
  };
  return compression === 1 && !tiled && blocksDown === 1 && bits % 8 === 0 ? splitStrip(img) : img;
}

/**
 * An uncompressed image stored as one strip per band is read, as GDAL reads it, in virtual strips of about
 * 8 KiB (GDAL reports that block size too): a small window then costs a few rows, not the whole image.
 */
function splitStrip(img: TiffImage): TiffImage {
  const rowBytes = img.width * (img.planar === 1 ? img.samplesPerPixel : 1) * img.bytesPerSample;
  const rows = Math.max(1, Math.floor(8192 / rowBytes));
  if (rows >= img.height) return img;
  const planes = img.planar === 2 ? img.samplesPerPixel : 1;
  const down = Math.ceil(img.height / rows);
  const offsets = new Float64Array(down * planes);
  const byteCounts = new Float64Array(down * planes);
  for (let p = 0; p < planes; p++) {
    for (let k = 0; k < down; k++) {
      offsets[p * down + k] = img.offsets[p] + k * rows * rowBytes;
      byteCounts[p * down + k] = img.byteCounts[p] === 0 ? 0 : Math.min(rows, img.height - k * rows) * rowBytes;
    }
  }
  return { ...img, blockHeight: rows, blocksDown: down, offsets, byteCounts };
}

/** Rows held by block row `by` (the last strip of a stripped image may be short; tiles are always full). */
export function blockRows(img: TiffImage, by: number): number {
  return img.tiled ? img.blockHeight : Math.min(img.blockHeight, img.height - by * img.blockHeight);
}
