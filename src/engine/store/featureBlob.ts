// How a tile's features are laid out in a cache row: every tensor as fp16, concatenated in order, then
// optionally deflated after a byte shuffle (low bytes of all halves, then high bytes: the high bytes
// carry sign+exponent and repeat a lot, which is what deflate can use).
import { crc32, deflateRawSync, inflateRawSync } from 'node:zlib';
import { float16ToFloat32, float32ToFloat16 } from '../nn/fp16';
import type { FeatureBuffer, FeatureSet, FeatureTensor } from './featureCache';

export type FeatureCodec = 'fp16' | 'fp16+deflate';

export interface TensorMeta {
  readonly name: string;
  readonly shape: readonly number[];
}

export interface EncodedFeatures {
  readonly tensors: readonly TensorMeta[];
  readonly codec: FeatureCodec;
  readonly rawBytes: number;
  readonly data: Buffer;
  readonly checksum: number;
}

const elements = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

export function encodeFeatures(set: FeatureSet, codec: FeatureCodec): EncodedFeatures {
  const total = set.reduce((n, t) => n + t.data.length, 0);
  const halves = new Uint16Array(total);
  let off = 0;
  for (const t of set) {
    if (t.data.length !== elements(t.shape)) throw new RangeError(`tensor ${t.name}: ${t.data.length} values for shape [${t.shape}]`);
    float32ToFloat16(t.data, halves.subarray(off, off + t.data.length));
    off += t.data.length;
  }
  const raw = Buffer.from(halves.buffer, halves.byteOffset, halves.byteLength);
  let data: Buffer;
  if (codec === 'fp16+deflate') {
    const shuffled = Buffer.allocUnsafe(raw.length);
    for (let i = 0; i < total; i++) {
      shuffled[i] = raw[2 * i];
      shuffled[total + i] = raw[2 * i + 1];
    }
    data = deflateRawSync(shuffled, { level: 1 });
  } else {
    data = Buffer.from(raw);
  }
  return { tensors: set.map((t) => ({ name: t.name, shape: [...t.shape] })), codec, rawBytes: raw.length, data, checksum: crc32(data) };
}

/** Decodes a row; returns null (never throws on bad data) when the blob does not match its checksum or shapes. The
 *  tensors are consecutive views of one Float32Array (decoded by `into` when given): one allocation per row. */
export function decodeFeatures(tensors: readonly TensorMeta[], codec: string, rawBytes: number, data: Uint8Array, checksum: number, into?: FeatureBuffer): FeatureSet | null {
  if (crc32(data) !== checksum >>> 0) return null;
  const total = tensors.reduce((n, t) => n + elements(t.shape), 0);
  if (rawBytes !== total * 2) return null;
  let raw: Uint8Array;
  if (codec === 'fp16') {
    raw = data;
  } else if (codec === 'fp16+deflate') {
    let shuffled: Buffer;
    try {
      shuffled = inflateRawSync(data, { maxOutputLength: rawBytes + 1 });
    } catch {
      return null;
    }
    if (shuffled.length !== rawBytes) return null;
    const out = Buffer.allocUnsafe(rawBytes);
    for (let i = 0; i < total; i++) {
      out[2 * i] = shuffled[i];
      out[2 * i + 1] = shuffled[total + i];
    }
    raw = out;
  } else {
    return null;
  }
  if (raw.length !== rawBytes) return null;
  let values: Float32Array;
  if (into) {
    values = into.decodeHalves(raw, total);
    if (values.length !== total) throw new RangeError(`feature buffer gave ${values.length} values for ${total}`);
  } else {
    // A Uint16Array view needs an even byte offset; a blob's need not be, and only then is it copied.
    const halves = raw.byteOffset % 2 === 0 ? new Uint16Array(raw.buffer, raw.byteOffset, total) : new Uint16Array(new Uint8Array(raw.subarray(0, rawBytes)).buffer);
    values = float16ToFloat32(halves);
  }
  const out: FeatureTensor[] = [];
  let off = 0;
  for (const t of tensors) {
    const n = elements(t.shape);
    out.push({ name: t.name, shape: [...t.shape], data: values.subarray(off, off + n) });
    off += n;
  }
  return out;
}
