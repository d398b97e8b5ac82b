// Typed arrays and value ranges per raster data type.
import type { RasterDataType } from '../../shared/raster';
import type { TypedArray } from './source';

type Ctor = { new (n: number): TypedArray; new (b: ArrayBufferLike, o?: number, n?: number): TypedArray };

const ctors: Record<RasterDataType, Ctor> = {
  uint8: Uint8Array, int8: Int8Array, uint16: Uint16Array, int16: Int16Array,
  uint32: Uint32Array, int32: Int32Array, float32: Float32Array, float64: Float64Array,
};

export function bytesPerValue(t: RasterDataType): number {
  return (ctors[t] as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
}

export function allocate(t: RasterDataType, n: number): TypedArray {
  return new ctors[t](n);
}

/** A typed view over host-order bytes (the buffer must be aligned for the type). */
export function viewAs(t: RasterDataType, bytes: Uint8Array): TypedArray {
  const size = bytesPerValue(t);
  return new ctors[t](bytes.buffer, bytes.byteOffset, Math.floor(bytes.byteLength / size));
}

export const isFloat = (t: RasterDataType): boolean => t === 'float32' || t === 'float64';

export function valueRange(t: RasterDataType): readonly [number, number] {
  switch (t) {
    case 'uint8': return [0, 255];
    case 'int8': return [-128, 127];
    case 'uint16': return [0, 65535];
    case 'int16': return [-32768, 32767];
    case 'uint32': return [0, 4294967295];
    case 'int32': return [-2147483648, 2147483647];
    default: return [-Infinity, Infinity];
  }
}

/** The value written where there is no data: the nodata value when the type can hold it, else 0. */
export function fillValue(t: RasterDataType, nodata: number | null): number {
  if (nodata === null) return 0;
  if (isFloat(t)) return t === 'float32' && Number.isFinite(nodata) ? Math.fround(nodata) : nodata;
  const [lo, hi] = valueRange(t);
  return Number.isInteger(nodata) && nodata >= lo && nodata <= hi ? nodata : 0;
}

/** Rounds and clamps a computed value (an average, an interpolation) into the type, as GDAL does. */
export function toType(t: RasterDataType, v: number): number {
  if (isFloat(t)) return v;
  const [lo, hi] = valueRange(t);
  const r = Math.floor(v + 0.5);
  return r < lo ? lo : r > hi ? hi : r;
}
