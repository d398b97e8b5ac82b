// PNG and JPEG as (normally non-georeferenced) pixel rasters. Neither format allows random access to a window,
// so the image is decoded once, after its header has proven the decoded size reasonable. Palette PNGs are
// expanded to RGB(A); grey JPEGs keep one band. World files and .prj sidecars georeference them, as in GDAL.
import { readFile, stat } from 'node:fs/promises';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { AbsurdSizeError, CorruptRasterError, SatError } from '../../../shared/errors';
import type { GeoTransform, PixelWindow } from '../../../shared/geometry';
import type { RasterDataType, RasterInfo } from '../../../shared/raster';
import { allocate } from '../dataType';
import type { RasterBlock, RasterSource, ReadRequest, TypedArray } from '../source';
import { readWindow, type Level } from '../windowedRead';
import { readSidecars } from './worldFile';

// Whole-image decoders hold the full image; beyond this, ask for a tiled GeoTIFF instead.
const MAX_DECODED_BYTES = 1024 * 2 ** 20;

interface Decoded {
  width: number;
  height: number;
  bands: number;
  dataType: RasterDataType;
  /** Pixel-interleaved samples, `stride` per pixel (the first `bands` are used). */
  data: TypedArray;
  stride: number;
}

function guard(path: string, width: number, height: number, bytesPerPixel: number, what: string): void {
  if (!(width > 0 && height > 0)) throw new CorruptRasterError(path, `the ${what} header gives a size of ${width}×${height}`);
  const bytes = width * height * bytesPerPixel;
  if (bytes > MAX_DECODED_BYTES) {
    throw new AbsurdSizeError(`"${path}" is a ${width}×${height} ${what}; decoding it whole would need ${(bytes / 2 ** 30).toFixed(1)} GiB.`,
      'Convert it to a tiled GeoTIFF first: gdal_translate -co TILED=YES -co COMPRESS=DEFLATE in.' + what.toLowerCase() + ' out.tif',
      { path, width, height });
  }
}

function decodePng(path: string, bytes: Buffer): Decoded {
  if (bytes.length < 33 || bytes.toString('latin1', 12, 16) !== 'IHDR') throw new CorruptRasterError(path, 'the PNG header (IHDR) is missing');
  const width = bytes.readUInt32BE(16);
  const height = bytes.readUInt32BE(20);
  const depth = bytes[24];
  const colorType = bytes[25];
  guard(path, width, height, 4 * (depth === 16 ? 2 : 1), 'PNG');
  const hasTrns = bytes.indexOf('tRNS', 33, 'latin1') >= 0 && bytes.indexOf('tRNS', 33, 'latin1') < bytes.indexOf('IDAT', 33, 'latin1');
  const bands = colorType === 0 ? 1 : colorType === 2 ? 3 : colorType === 3 ? (hasTrns ? 4 : 3) : colorType === 4 ? 2 : 4;
  const png = PNG.sync.read(bytes, { skipRescale: true });
  const raw = png.data as unknown as Uint8Array | Uint16Array;
  const rgba = raw instanceof Uint16Array ? raw : new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
  const dataType: RasterDataType = depth === 16 && colorType !== 3 ? 'uint16' : 'uint8';
  // pngjs always yields RGBA; grey+alpha keeps grey in R and alpha in A.
  if (bands === 2) {
    const out = allocate(dataType, width * height * 2);
    for (let i = 0, j = 0; i < width * height; i++, j += 4) {
      out[2 * i] = rgba[j];
      out[2 * i + 1] = rgba[j + 3];
    }
    return { width, height, bands, dataType, data: out, stride: 2 };
  }
  return { width, height, bands, dataType, data: rgba, stride: 4 };
}

function jpegComponents(bytes: Buffer): { width: number; height: number; components: number } | null {
  let i = 2;
  while (i + 9 < bytes.length) {
    if (bytes[i] !== 0xff) return null;
    const marker = bytes[i + 1];
    const len = bytes.readUInt16BE(i + 2);
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: bytes.readUInt16BE(i + 5), width: bytes.readUInt16BE(i + 7), components: bytes[i + 9] };
    }
    i += 2 + len;
  }
  return null;
}

function decodeJpeg(path: string, bytes: Buffer): Decoded {
  const sof = jpegComponents(bytes);
  if (!sof) throw new CorruptRasterError(path, 'no JPEG frame header (SOF) was found');
  guard(path, sof.width, sof.height, 3, 'JPEG');
  const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, maxResolutionInMP: 1e4, maxMemoryUsageInMB: 4096 });
  return { width: img.width, height: img.height, bands: sof.components === 1 ? 1 : 3, dataType: 'uint8', data: img.data, stride: 3 };
}

function memoryLevel(d: Decoded): Level {
  return {
    width: d.width,
    height: d.height,
    async read(win: PixelWindow, samples, fill) {
      const out = samples.map(() => {
        const a = allocate(d.dataType, win.width * win.height);
        if (fill !== 0) a.fill(fill);
        return a;
      });
      const x0 = Math.max(0, win.x);
      const x1 = Math.min(d.width, win.x + win.width);
      for (let y = Math.max(0, win.y), y1 = Math.min(d.height, win.y + win.height); y < y1; y++) {
        for (let i = 0; i < samples.length; i++) {
          const dst = out[i];
          const s = samples[i];
          for (let x = x0; x < x1; x++) dst[(y - win.y) * win.width + (x - win.x)] = d.data[(y * d.width + x) * d.stride + s];
        }
      }
      return out;
    },
  };
}

export async function openImage(path: string, format: 'PNG' | 'JPEG'): Promise<RasterSource> {
  const size = (await stat(path)).size;
  if (size > MAX_DECODED_BYTES) guard(path, Infinity, 1, 1, format);
  const bytes = await readFile(path);
  let d: Decoded;
  try {
    d = format === 'PNG' ? decodePng(path, bytes) : decodeJpeg(path, bytes);
  } catch (e) {
    if (e instanceof SatError) throw e;
    throw new CorruptRasterError(path, `the ${format} data does not decode (${(e as Error)?.message ?? e})`, e);
  }
  const side = readSidecars(path);
  const notes = [...side.notes];
  if (!side.transform) notes.push(`no georeferencing (no world file): opened as a pixel raster`);
  const transform: GeoTransform = side.transform ?? [0, 1, 0, 0, 0, 1];
  const alphaSample = d.bands === 2 || d.bands === 4 ? d.bands - 1 : null;
  const info: RasterInfo = {
    path,
    width: d.width,
    height: d.height,
    bands: d.bands,
    dataType: d.dataType,
    nodata: null,
    epsg: side.crs?.epsg ?? null,
    crs: side.crs,
    georeferenced: side.transform !== null,
    transform,
    pixelSize: [transform[1], transform[5]],
    origin: [transform[0], transform[3]],
    overviews: [],
    blockSize: [d.width, 1],
    tiled: false,
    compression: format === 'PNG' ? 'DEFLATE' : 'JPEG',
    bigTiff: false,
    bandNames: Array(d.bands).fill(null),
    interleave: 'pixel',
    format,
    mask: alphaSample !== null ? 'alpha' : 'none',
    notes,
  };
  const ctx = { info, levels: [memoryLevel(d)], alphaSample };
  return {
    info,
    read: (req: ReadRequest): Promise<RasterBlock> => readWindow(ctx, req),
    async close() {},
  };
}
