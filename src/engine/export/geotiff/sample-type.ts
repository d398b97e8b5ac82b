// How each raster data type is stored in TIFF: bits per sample, SampleFormat code, typed array, and
// whether a nodata value can be represented at all.
import type { RasterDataType } from '../../../shared/raster';

export type SampleArray = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array;
type SampleArrayCtor = { new (length: number): SampleArray; readonly BYTES_PER_ELEMENT: number; readonly name: string };

export interface SampleType {
  readonly dataType: RasterDataType;
  readonly bytes: number;
  readonly bitsPerSample: number;
  /** TIFF SampleFormat: 1 unsigned integer, 2 signed integer, 3 IEEE float. */
  readonly sampleFormat: 1 | 2 | 3;
  readonly isFloat: boolean;
  readonly min: number;
  readonly max: number;
  readonly ArrayType: SampleArrayCtor;
}

const table: Record<RasterDataType, SampleType> = {
  uint8: { dataType: 'uint8', bytes: 1, bitsPerSample: 8, sampleFormat: 1, isFloat: false, min: 0, max: 255, ArrayType: Uint8Array },
  int8: { dataType: 'int8', bytes: 1, bitsPerSample: 8, sampleFormat: 2, isFloat: false, min: -128, max: 127, ArrayType: Int8Array },
  uint16: { dataType: 'uint16', bytes: 2, bitsPerSample: 16, sampleFormat: 1, isFloat: false, min: 0, max: 65535, ArrayType: Uint16Array },
  int16: { dataType: 'int16', bytes: 2, bitsPerSample: 16, sampleFormat: 2, isFloat: false, min: -32768, max: 32767, ArrayType: Int16Array },
  uint32: { dataType: 'uint32', bytes: 4, bitsPerSample: 32, sampleFormat: 1, isFloat: false, min: 0, max: 4294967295, ArrayType: Uint32Array },
  int32: { dataType: 'int32', bytes: 4, bitsPerSample: 32, sampleFormat: 2, isFloat: false, min: -2147483648, max: 2147483647, ArrayType: Int32Array },
  float32: { dataType: 'float32', bytes: 4, bitsPerSample: 32, sampleFormat: 3, isFloat: true, min: -3.4028234663852886e38, max: 3.4028234663852886e38, ArrayType: Float32Array },
  float64: { dataType: 'float64', bytes: 8, bitsPerSample: 64, sampleFormat: 3, isFloat: true, min: -Number.MAX_VALUE, max: Number.MAX_VALUE, ArrayType: Float64Array },
};

export const dataTypes = Object.keys(table) as RasterDataType[];

export function sampleType(dataType: RasterDataType): SampleType | undefined {
  return Object.prototype.hasOwnProperty.call(table, dataType) ? table[dataType] : undefined;
}

/**
 * True when `value` can be a pixel value of the type: integers exactly, floats within range (readers
 * compare a float32 nodata after rounding it to float32, as GDAL does), NaN and ±Infinity in floats.
 */
export function representable(t: SampleType, value: number): boolean {
  if (t.isFloat) return Number.isNaN(value) || !Number.isFinite(value) || (value >= t.min && value <= t.max);
  return Number.isInteger(value) && value >= t.min && value <= t.max;
}

/** The GDAL_NODATA string GDAL itself writes: integers plainly, floats round-trippable, "nan"/"inf". */
export function formatNodata(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  if (Number.isInteger(value) && Math.abs(value) < 1e21) return value.toFixed(0);
  return String(value);
}
