// The engine's tensor type. It wraps an onnxruntime tensor so data fed back from one run to the next stays in the
// buffer ORT already has (no copy through JS arrays), while no module outside runtime/ sees ORT's types.
import * as ort from 'onnxruntime-node';
import { InvalidArgumentError } from '../../shared/errors';
import { type DType, type TypedArray, allocTyped, checkStorage } from '../nn/dtype';
import { float16ToFloat32 } from '../nn/fp16';

const ORT_OF = new WeakMap<Tensor, ort.Tensor>();

export class Tensor {
  private constructor(
    readonly dtype: DType,
    readonly dims: readonly number[],
    private readonly raw: TypedArray,
  ) {}

  /** Wraps `data` (not copied) as a tensor of `dims`. float16 data is a Uint16Array of half bits. */
  static of(dtype: DType, data: TypedArray, dims: readonly number[]): Tensor {
    checkStorage(dtype, data, 'Tensor.of');
    const n = dims.reduce((a, b) => a * b, 1);
    if (dims.some((d) => !Number.isInteger(d) || d < 0)) throw new InvalidArgumentError(`Tensor dims must be non-negative integers, got [${dims.join(', ')}].`);
    if (n !== data.length) throw new InvalidArgumentError(`A tensor of shape [${dims.join(', ')}] needs ${n} values, got ${data.length}.`);
    const t = new Tensor(dtype, [...dims], data);
    ORT_OF.set(t, new ort.Tensor(dtype, data as never, [...dims]));
    return t;
  }

  static zeros(dtype: DType, dims: readonly number[]): Tensor {
    return Tensor.of(dtype, allocTyped(dtype, dims.reduce((a, b) => a * b, 1)), dims);
  }

  static scalar(x: number, dtype: 'float32' | 'float64' = 'float32'): Tensor {
    return Tensor.of(dtype, dtype === 'float32' ? Float32Array.of(x) : Float64Array.of(x), []);
  }

  /** @internal runtime/ only: wraps an ORT result without copying. */
  static fromOrt(o: ort.Tensor): Tensor {
    const dtype = o.type as DType;
    const data = (o.type === 'float16' && !(o.data instanceof Uint16Array) ? new Uint16Array((o.data as unknown as Uint16Array).buffer) : o.data) as TypedArray;
    const t = new Tensor(dtype, [...o.dims], data);
    ORT_OF.set(t, o);
    return t;
  }

  get size(): number {
    return this.raw.length;
  }

  /** The values (a view, not a copy). float16 tensors give their raw half bits. */
  get data(): TypedArray {
    return this.raw;
  }

  /** Values as float32 (a copy for float16/float64/int tensors, the data itself for float32). */
  toFloat32(): Float32Array {
    if (this.raw instanceof Float32Array) return this.raw;
    if (this.dtype === 'float16') return float16ToFloat32(this.raw as Uint16Array);
    return Float32Array.from(this.raw as ArrayLike<number>, Number);
  }

  toFloat64(): Float64Array {
    if (this.raw instanceof Float64Array) return this.raw;
    if (this.dtype === 'float16') return Float64Array.from(float16ToFloat32(this.raw as Uint16Array));
    return Float64Array.from(this.raw as ArrayLike<number>, Number);
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new InvalidArgumentError(`item() needs a one-element tensor, this one has shape [${this.dims.join(', ')}].`);
    return this.toFloat64()[0];
  }

  /** A deep copy (own buffer). */
  clone(): Tensor {
    return Tensor.of(this.dtype, this.raw.slice() as TypedArray, this.dims);
  }

  toString(): string {
    return `Tensor(${this.dtype}[${this.dims.join(', ')}])`;
  }
}

/** @internal runtime/ only. */
export function ortTensor(t: Tensor): ort.Tensor {
  return ORT_OF.get(t)!;
}
