// One interface over every checkpoint format we read. Tensors are read one at a time, on demand, straight from
// the file: a 3.5 GB UNet never has to sit in memory twice.
import { closeSync, openSync, readSync } from 'node:fs';
import { FileNotFoundError, SatError } from '../../../shared/errors';
import { type WeightDType, type WeightInfo, bytesToFloat32 } from './dtypes';

export interface WeightReader {
  readonly path: string;
  readonly format: 'safetensors' | 'torch-zip';
  /** safetensors `__metadata__` (empty for torch files). */
  readonly metadata: Readonly<Record<string, string>>;
  list(): WeightInfo[];
  has(name: string): boolean;
  info(name: string): WeightInfo;
  /** Contiguous row-major little-endian bytes of the tensor in its stored dtype. */
  readBytes(name: string): Uint8Array;
  /** The tensor as float32 (half, bfloat16, double and integers converted). */
  readFloat32(name: string): Float32Array;
  close(): void;
}

export abstract class BaseWeightReader implements WeightReader {
  abstract readonly path: string;
  abstract readonly format: 'safetensors' | 'torch-zip';
  readonly metadata: Readonly<Record<string, string>> = {};
  protected abstract readonly entries: ReadonlyMap<string, WeightInfo>;
  abstract readBytes(name: string): Uint8Array;
  abstract close(): void;

  list(): WeightInfo[] {
    return [...this.entries.values()];
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  info(name: string): WeightInfo {
    const e = this.entries.get(name);
    if (!e) {
      throw new SatError('MODEL_MISMATCH', `The checkpoint "${this.path}" has no tensor "${name}".`, {
        hint: 'The file was saved for a different model or configuration; check that the weights and config.json belong together.',
        details: { path: this.path, name },
      });
    }
    return e;
  }

  readFloat32(name: string): Float32Array {
    const dtype: WeightDType = this.info(name).dtype;
    return bytesToFloat32(this.readBytes(name), dtype);
  }
}

/** A read-only descriptor; a missing file is a FileNotFoundError naming `what` (weights file, checkpoint). */
export function openWeightsFile(path: string, what: string): number {
  try {
    return openSync(path, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new FileNotFoundError(path, what);
    throw e;
  }
}

/** Up to `length` bytes from the start of the file (fewer if it is shorter): enough to tell formats apart. */
export function readFileHead(path: string, length: number, what: string): Buffer {
  const fd = openWeightsFile(path, what);
  const head = Buffer.alloc(length);
  try {
    return head.subarray(0, readSync(fd, head, 0, length, 0));
  } finally {
    closeSync(fd);
  }
}

export function corruptWeights(path: string, reason: string, cause?: unknown): SatError {
  return new SatError('CORRUPT_WEIGHTS', `"${path}" is not a readable checkpoint: ${reason}.`, {
    hint: 'The file may be truncated or not a weights file. Download or export it again.',
    details: { path, reason },
    cause,
  });
}
