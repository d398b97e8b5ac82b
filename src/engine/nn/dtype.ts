// Element types the builder and the runtime agree on. float16 data travels as raw IEEE half bits in a Uint16Array
// (Node 20 has no Float16Array); fp16.ts converts.
import { InvalidArgumentError } from '../../shared/errors';

export type DType = 'float32' | 'float16' | 'float64' | 'int64' | 'int32' | 'bool' | 'uint8' | 'int8';

export type TypedArray = Float32Array | Float64Array | Uint16Array | BigInt64Array | Int32Array | Uint8Array | Int8Array;

/** ONNX TensorProto.DataType numbers. */
export const ONNX_DTYPE: Readonly<Record<DType, number>> = {
  float32: 1, uint8: 2, int8: 3, int32: 6, int64: 7, bool: 9, float16: 10, float64: 11,
};

const FROM_ONNX = new Map<number, DType>(Object.entries(ONNX_DTYPE).map(([k, v]) => [v, k as DType]));

export function dtypeFromOnnx(code: number): DType {
  const d = FROM_ONNX.get(code);
  if (!d) throw new InvalidArgumentError(`ONNX element type ${code} is not supported by the graph builder.`, 'Use float32, float16, float64, int64, int32, int8, uint8 or bool.');
  return d;
}

export const BYTES_PER_ELEMENT: Readonly<Record<DType, number>> = {
  float32: 4, float16: 2, float64: 8, int64: 8, int32: 4, bool: 1, uint8: 1, int8: 1,
};

export function isFloat(d: DType): boolean {
  return d === 'float32' || d === 'float16' || d === 'float64';
}

/** A zeroed typed array of the storage type for `dtype`. */
export function allocTyped(dtype: DType, n: number): TypedArray {
  switch (dtype) {
    case 'float32': return new Float32Array(n);
    case 'float64': return new Float64Array(n);
    case 'float16': return new Uint16Array(n);
    case 'int64': return new BigInt64Array(n);
    case 'int32': return new Int32Array(n);
    case 'int8': return new Int8Array(n);
    case 'bool': case 'uint8': return new Uint8Array(n);
  }
}

/** Checks that `data` is the storage type for `dtype` (a Float32Array for float32, raw bits for float16...). */
export function checkStorage(dtype: DType, data: TypedArray, what: string): void {
  const ok =
    (dtype === 'float32' && data instanceof Float32Array) ||
    (dtype === 'float64' && data instanceof Float64Array) ||
    (dtype === 'float16' && data instanceof Uint16Array) ||
    (dtype === 'int64' && data instanceof BigInt64Array) ||
    (dtype === 'int32' && data instanceof Int32Array) ||
    (dtype === 'int8' && data instanceof Int8Array) ||
    ((dtype === 'bool' || dtype === 'uint8') && data instanceof Uint8Array);
  if (!ok) {
    throw new InvalidArgumentError(`${what}: a ${data.constructor.name} cannot hold ${dtype} data.`,
      dtype === 'float16' ? 'Pass float16 data as a Uint16Array of half-precision bits (see nn/fp16.ts).' : `Pass the typed array that matches ${dtype}.`);
  }
}
