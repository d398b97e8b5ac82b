// Options of the COG writer, checked once and resolved into the values the file will carry. Every
// mistake a caller can make becomes an InvalidArgumentError (or AbsurdSizeError) that names the option.
import type { GeoTransform } from '../../../shared/geometry';
import type { RasterDataType } from '../../../shared/raster';
import { AbsurdSizeError, InvalidArgumentError } from '../../../shared/errors';
import type { Resampling } from './downsample';
import { validateCrs, type CrsSpec } from './georeference';
import type { MetadataItem, Provenance } from './gdal-metadata';
import { pyramidLevels, type LevelGeometry } from './pyramid';
import { dataTypes, formatNodata, representable, sampleType, type SampleType } from './sample-type';
import { ExtraSample, Photometric, PredictorCode } from '../../raster/tiff/tags';

/** One colour table entry: red, green, blue (0–255) and optional alpha (TIFF keeps no alpha). */
export type ColorEntry = readonly [number, number, number] | readonly [number, number, number, number];

export interface CogProgress {
  readonly phase: 'tiles' | 'assemble';
  readonly done: number;
  readonly total: number;
}

export interface CogWriterOptions {
  readonly width: number;
  readonly height: number;
  readonly bands: number;
  readonly dataType: RasterDataType;
  /** Tile edge in pixels, a multiple of 16 (TIFF rule); 256 or 512 for COGs. Default 512 (GDAL's). */
  readonly tileSize?: number;
  readonly compression?: 'deflate' | 'none';
  /** DEFLATE level 1–9; default 6 (GDAL's). */
  readonly level?: number;
  /** 'auto': horizontal differencing for integer imagery, floating-point for floats, none for class masks. */
  readonly predictor?: 'auto' | 'none' | 'horizontal' | 'float';
  /** 'pixel' (PlanarConfiguration 1, GDAL's default) or 'band' (2). */
  readonly interleave?: 'pixel' | 'band';
  /** Overview count, or 'auto' (halve until one tile holds the level). */
  readonly overviews?: number | 'auto';
  /** Overview resampling; default nearest for class masks (colour table or class names), else average. */
  readonly resampling?: Resampling;
  readonly bigTiff?: 'auto' | 'yes' | 'no';
  readonly crs?: CrsSpec | null;
  readonly transform?: GeoTransform | null;
  readonly nodata?: number | null;
  /** Palette for a single-band uint8/uint16 class mask (Photometric palette). */
  readonly colorTable?: readonly ColorEntry[];
  /** Class name per pixel value (index = value); null for unused values. */
  readonly classNames?: readonly (string | null)[];
  /** Also write <path>.aux.xml with the category names, where GDAL keeps them. Default true with classNames. */
  readonly categorySidecar?: boolean;
  readonly bandNames?: readonly string[];
  readonly photometric?: 'auto' | 'minisblack' | 'rgb';
  /** The last band is an alpha band (ExtraSamples = unassociated alpha). */
  readonly alpha?: boolean;
  readonly metadata?: readonly MetadataItem[];
  readonly provenance?: Provenance;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: CogProgress) => void;
  /** Where the per-level temporary files go; default the target folder (same disk as the result). */
  readonly tempDir?: string;
  /** Fill tiles never written with nodata (or 0) instead of failing at finish. */
  readonly fillMissing?: boolean;
}

export interface ResolvedCogOptions {
  readonly width: number;
  readonly height: number;
  readonly bands: number;
  readonly type: SampleType;
  readonly tileSize: number;
  readonly compression: 'deflate' | 'none';
  readonly level: number;
  readonly predictor: 1 | 2 | 3;
  readonly interleave: 'pixel' | 'band';
  readonly levels: readonly LevelGeometry[];
  readonly resampling: Resampling;
  readonly bigTiff: 'auto' | 'yes' | 'no';
  readonly crs: CrsSpec | null;
  readonly transform: GeoTransform | null;
  readonly nodata: number | null;
  readonly nodataText: string | null;
  readonly photometric: number;
  readonly extraSamples: readonly number[];
  readonly colorMap: readonly number[] | null;
  readonly classNames: readonly (string | null)[] | null;
  readonly categorySidecar: boolean;
  readonly bandNames: readonly string[] | null;
  readonly metadata: readonly MetadataItem[];
  readonly provenance: Provenance | null;
  readonly fillMissing: boolean;
}

const MAX_DIMENSION = 2 ** 31 - 1;
const MAX_TILES_PER_LEVEL = 2 ** 24;
const MAX_BANDS = 4096;

const bad = (msg: string, hint: string, details?: Record<string, unknown>) => new InvalidArgumentError(msg, hint, details);

function oneOf<T extends string>(name: string, value: T | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value)) throw bad(`${name} "${String(value)}" is not supported.`, `Use one of: ${allowed.join(', ')}.`, { [name]: value });
  return value;
}

export function resolveCogOptions(o: CogWriterOptions): ResolvedCogOptions {
  for (const [name, v] of [['width', o.width], ['height', o.height]] as const) {
    if (!Number.isInteger(v) || v < 1) throw bad(`The raster ${name} must be a positive whole number of pixels (got ${v}).`, 'Check the size of what you are writing.', { [name]: v });
    if (v > MAX_DIMENSION) throw new AbsurdSizeError(`A raster ${name} of ${v} pixels is beyond what GeoTIFF readers handle.`, `Split the output into pieces under ${MAX_DIMENSION} pixels a side.`, { [name]: v });
  }
  if (!Number.isInteger(o.bands) || o.bands < 1) throw bad(`The band count must be a positive whole number (got ${o.bands}).`, 'Give at least one band.');
  if (o.bands > MAX_BANDS) throw new AbsurdSizeError(`${o.bands} bands is more than the writer supports (${MAX_BANDS}).`, 'Write the bands into several files.');
  const type = sampleType(o.dataType);
  if (!type) throw bad(`Data type "${String(o.dataType)}" cannot be written.`, `Use one of: ${dataTypes.join(', ')}.`);
  const tileSize = o.tileSize ?? 512;
  if (!Number.isInteger(tileSize) || tileSize < 16 || tileSize > 4096 || tileSize % 16 !== 0) {
    throw bad(`Tile size ${tileSize} is not allowed.`, 'TIFF tiles are multiples of 16 pixels; use 256 or 512 for a COG.', { tileSize });
  }
  const overviews = o.overviews ?? 'auto';
  if (overviews !== 'auto' && (!Number.isInteger(overviews) || overviews < 0)) throw bad(`Overview count ${overviews} is not allowed.`, 'Give a whole number ≥ 0, or "auto".');
  const levels = pyramidLevels(o.width, o.height, tileSize, overviews);
  const tiles = levels[0].tilesAcross * levels[0].tilesDown * (o.interleave === 'band' ? o.bands : 1);
  if (tiles > MAX_TILES_PER_LEVEL) {
    throw new AbsurdSizeError(`${o.width}×${o.height} at ${tileSize}-pixel tiles makes ${tiles} tiles, more than the writer indexes.`, 'Use 512-pixel tiles or split the output.', { tiles });
  }
  const compression = oneOf('compression', o.compression, ['deflate', 'none'] as const, 'deflate');
  const level = o.level ?? 6;
  if (!Number.isInteger(level) || level < 1 || level > 9) throw bad(`DEFLATE level ${level} is not allowed.`, 'Use a level from 1 (fastest) to 9 (smallest); 6 is the default.');
  const interleave = oneOf('interleave', o.interleave, ['pixel', 'band'] as const, 'pixel');
  const bigTiff = oneOf('bigTiff', o.bigTiff, ['auto', 'yes', 'no'] as const, 'auto');

  const isMask = (o.colorTable?.length ?? 0) > 0 || (o.classNames?.length ?? 0) > 0;
  const predictorName = oneOf('predictor', o.predictor, ['auto', 'none', 'horizontal', 'float'] as const, 'auto');
  let predictor: 1 | 2 | 3;
  if (predictorName === 'auto') predictor = compression === 'none' || isMask ? PredictorCode.None : type.isFloat ? PredictorCode.FloatingPoint : PredictorCode.Horizontal;
  else if (predictorName === 'none') predictor = PredictorCode.None;
  else if (predictorName === 'horizontal') {
    if (type.isFloat) throw bad('The horizontal predictor applies to integer data only.', 'Use predictor "float" for float32/float64, or "auto".');
    predictor = PredictorCode.Horizontal;
  } else {
    if (!type.isFloat) throw bad('The floating-point predictor applies to float32/float64 only.', 'Use predictor "horizontal" for integers, or "auto".');
    predictor = PredictorCode.FloatingPoint;
  }
  const resampling = oneOf('resampling', o.resampling, ['nearest', 'average', 'mode'] as const, isMask ? 'nearest' : 'average');

  let nodata: number | null = null;
  if (o.nodata !== undefined && o.nodata !== null) {
    if (typeof o.nodata !== 'number' || !representable(type, o.nodata)) {
      throw bad(`Nodata ${o.nodata} cannot be stored in ${type.dataType} pixels.`, `Use a value in [${type.min}, ${type.max}]${type.isFloat ? ' or NaN' : ' (a whole number)'}.`, { nodata: o.nodata });
    }
    nodata = o.nodata;
  }

  let colorMap: number[] | null = null;
  if (o.colorTable && o.colorTable.length > 0) {
    if (o.bands !== 1 || (type.dataType !== 'uint8' && type.dataType !== 'uint16')) {
      throw bad('A colour table needs a single-band uint8 or uint16 raster.', 'Write class masks as one uint8 band (up to 256 classes).');
    }
    const entries = 2 ** type.bitsPerSample;
    if (o.colorTable.length > entries) throw bad(`The colour table has ${o.colorTable.length} entries; ${type.dataType} allows ${entries}.`, 'Drop the extra entries or use uint16.');
    colorMap = new Array<number>(3 * entries).fill(0);
    o.colorTable.forEach((c, i) => {
      for (let k = 0; k < 3; k++) {
        const v = c[k];
        if (!Number.isInteger(v) || v < 0 || v > 255) throw bad(`Colour table entry ${i} has a component ${v} outside 0–255.`, 'Give each entry as [r, g, b] or [r, g, b, a] with integers 0–255.');
        // TIFF colour maps are 16-bit; ×257 maps 255 to 65535 exactly, as GDAL does.
        colorMap![k * entries + i] = v * 257;
      }
    });
  }

  let classNames: (string | null)[] | null = null;
  if (o.classNames && o.classNames.length > 0) {
    if (o.bands !== 1 || type.isFloat) throw bad('Class names need a single-band integer raster.', 'Write class masks as one uint8 band.');
    if (o.classNames.length > type.max + 1) throw bad(`${o.classNames.length} class names do not fit ${type.dataType} values.`, 'Use a wider data type.');
    classNames = o.classNames.map((n) => (n === undefined || n === null || n === '' ? null : String(n)));
  }

  const photometricName = oneOf('photometric', o.photometric, ['auto', 'minisblack', 'rgb'] as const, 'auto');
  const alpha = o.alpha === true;
  let photometric: number;
  let colourChannels: number;
  if (colorMap) { photometric = Photometric.Palette; colourChannels = 1; }
  else if (photometricName === 'rgb' || (photometricName === 'auto' && type.dataType === 'uint8' && o.bands === (alpha ? 4 : 3))) {
    if (o.bands < 3) throw bad('RGB needs at least three bands.', 'Use photometric "minisblack" for fewer bands.');
    photometric = Photometric.Rgb; colourChannels = 3;
  } else { photometric = Photometric.MinIsBlack; colourChannels = 1; }
  if (alpha && o.bands <= colourChannels) throw bad('An alpha band needs a band after the colour bands.', 'Add the alpha band last, or drop the alpha option.');
  const extraSamples = Array.from({ length: o.bands - colourChannels }, (_, i) => (alpha && i === o.bands - colourChannels - 1 ? ExtraSample.UnassociatedAlpha : ExtraSample.Unspecified));

  if (o.bandNames && o.bandNames.length !== o.bands) throw bad(`${o.bandNames.length} band names for ${o.bands} bands.`, 'Give one name per band.');
  if (o.crs) validateCrs(o.crs);
  const t = o.transform;
  if (t && (t.length !== 6 || !t.every(Number.isFinite) || t[1] * t[5] - t[2] * t[4] === 0)) {
    throw bad(`The geotransform [${Array.from(t).join(', ')}] is not six finite numbers with non-zero pixel sizes (GDAL order).`, 'e.g. [originX, pixelWidth, 0, originY, 0, -pixelHeight].');
  }

  return {
    width: o.width, height: o.height, bands: o.bands, type, tileSize, compression, level, predictor, interleave, levels,
    resampling, bigTiff, crs: o.crs ?? null, transform: o.transform ?? null, nodata,
    nodataText: nodata === null ? null : formatNodata(nodata), photometric, extraSamples, colorMap, classNames,
    categorySidecar: classNames !== null && o.categorySidecar !== false, bandNames: o.bandNames ?? null,
    metadata: o.metadata ?? [], provenance: o.provenance ?? null, fillMissing: o.fillMissing === true,
  };
}
