// safetensors (https://github.com/huggingface/safetensors): 8-byte little-endian header length, a JSON header
// {name: {dtype, shape, data_offsets}}, then the raw little-endian data. Read lazily through a file descriptor;
// written streaming, so writing a multi-GB checkpoint needs one tensor in memory at a time.
import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { InvalidArgumentError } from '../../../shared/errors';
import { float32ToFloat16 } from '../fp16';
import { type WeightDType, type WeightInfo, WEIGHT_BYTES, elementCount, float32ToBfloat16 } from './dtypes';
import { BaseWeightReader, corruptWeights, openWeightsFile } from './reader';

const ST_TO_DTYPE: Readonly<Record<string, WeightDType>> = {
  F32: 'float32', F16: 'float16', BF16: 'bfloat16', F64: 'float64', I64: 'int64', I32: 'int32', I16: 'int16',
  I8: 'int8', U8: 'uint8', BOOL: 'bool',
};
const DTYPE_TO_ST: Readonly<Record<WeightDType, string>> = Object.fromEntries(
  Object.entries(ST_TO_DTYPE).map(([k, v]) => [v, k]),
) as Record<WeightDType, string>;

/** A header bigger than this is not a real checkpoint (safetensors itself caps it at 100 MB). */
const MAX_HEADER = 100 * 1024 * 1024;

interface Entry extends WeightInfo {
  readonly begin: number;
  readonly end: number;
}

export class SafetensorsReader extends BaseWeightReader {
  readonly format = 'safetensors' as const;
  override readonly metadata: Readonly<Record<string, string>>;
  protected readonly entries: ReadonlyMap<string, Entry>;
  private fd: number | undefined;
  private readonly dataStart: number;

  constructor(readonly path: string) {
    super();
    this.fd = openWeightsFile(path, 'weights file');
    try {
      const size = fstatSync(this.fd).size;
      if (size < 8) throw corruptWeights(path, `only ${size} bytes`);
      const head = Buffer.alloc(8);
      readSync(this.fd, head, 0, 8, 0);
      const n = Number(head.readBigUInt64LE(0));
      if (n > MAX_HEADER || 8 + n > size) throw corruptWeights(path, `header length ${n} does not fit in a ${size}-byte file`);
      const hbuf = Buffer.alloc(n);
      readSync(this.fd, hbuf, 0, n, 8);
      let header: Record<string, unknown>;
      try {
        header = JSON.parse(hbuf.toString('utf8')) as Record<string, unknown>;
      } catch (e) {
        throw corruptWeights(path, 'the header is not valid JSON', e);
      }
      this.dataStart = 8 + n;
      const dataLen = size - this.dataStart;
      const entries = new Map<string, Entry>();
      let meta: Record<string, string> = {};
      for (const [name, raw] of Object.entries(header)) {
        if (name === '__metadata__') {
          meta = (raw ?? {}) as Record<string, string>;
          continue;
        }
        const r = raw as { dtype?: string; shape?: number[]; data_offsets?: [number, number] };
        const dtype = r.dtype ? ST_TO_DTYPE[r.dtype] : undefined;
        if (!dtype) throw corruptWeights(path, `tensor "${name}" has unsupported dtype ${String(r.dtype)}`);
        if (!Array.isArray(r.shape) || !Array.isArray(r.data_offsets)) throw corruptWeights(path, `tensor "${name}" has no shape or offsets`);
        const [begin, end] = r.data_offsets;
        const bytes = elementCount(r.shape) * WEIGHT_BYTES[dtype];
        if (end - begin !== bytes || begin < 0 || end > dataLen) {
          throw corruptWeights(path, `tensor "${name}" (${dtype}[${r.shape.join(',')}]) has offsets [${begin}, ${end}] that do not match its size or the file`);
        }
        entries.set(name, { name, dtype, shape: r.shape, begin, end });
      }
      this.entries = entries;
      this.metadata = meta;
    } catch (e) {
      this.close();
      throw e;
    }
  }

  readBytes(name: string): Uint8Array {
    const e = this.info(name) as Entry;
    if (this.fd === undefined) throw new InvalidArgumentError(`"${this.path}" is closed.`);
    const out = new Uint8Array(e.end - e.begin);
    let done = 0;
    while (done < out.length) {
      const k = readSync(this.fd, out, done, Math.min(out.length - done, 1 << 30), this.dataStart + e.begin + done);
      if (k <= 0) throw corruptWeights(this.path, `unexpected end of file in "${name}"`);
      done += k;
    }
    return out;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

export interface TensorToWrite {
  readonly name: string;
  readonly shape: readonly number[];
  /** float32 values (converted to `dtype` on write) or bytes already in `dtype`. */
  readonly data: Float32Array | Uint8Array | (() => Float32Array | Uint8Array);
  /** Stored dtype (default float32). float32 input may be stored as float16 or bfloat16. */
  readonly dtype?: WeightDType;
}

function encode(t: TensorToWrite, data: Float32Array | Uint8Array): Uint8Array {
  const dtype = t.dtype ?? 'float32';
  const n = elementCount(t.shape);
  if (data instanceof Float32Array) {
    if (data.length !== n) throw new InvalidArgumentError(`Tensor "${t.name}" has ${data.length} values for shape [${t.shape.join(', ')}].`);
    const bytes = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    if (dtype === 'float32') return bytes(data);
    if (dtype === 'float16') return bytes(float32ToFloat16(data));
    if (dtype === 'bfloat16') return bytes(float32ToBfloat16(data));
    throw new InvalidArgumentError(`Tensor "${t.name}": float32 values can be stored as float32, float16 or bfloat16, not ${dtype}.`);
  }
  if (data.byteLength !== n * WEIGHT_BYTES[dtype]) throw new InvalidArgumentError(`Tensor "${t.name}" has ${data.byteLength} bytes for ${dtype}[${t.shape.join(', ')}].`);
  return data;
}

/** Writes a safetensors file (tensors in the given order, 8-byte aligned header as the reference writer does). */
export function writeSafetensors(path: string, tensors: readonly TensorToWrite[], metadata?: Readonly<Record<string, string>>): void {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const t of tensors) {
    const dtype = t.dtype ?? 'float32';
    const bytes = elementCount(t.shape) * WEIGHT_BYTES[dtype];
    if (t.name in header) throw new InvalidArgumentError(`Tensor name "${t.name}" appears twice.`);
    header[t.name] = { dtype: DTYPE_TO_ST[dtype], shape: [...t.shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const pad = (8 - (json.length % 8)) % 8;
  if (pad) json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const fd = openSync(path, 'w');
  try {
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(json.length));
    writeSync(fd, len);
    writeSync(fd, json);
    for (const t of tensors) {
      const raw = typeof t.data === 'function' ? t.data() : t.data;
      const b = encode(t, raw);
      let done = 0;
      while (done < b.byteLength) done += writeSync(fd, b, done, Math.min(b.byteLength - done, 1 << 30));
    }
  } finally {
    closeSync(fd);
  }
}
