// Decode buffers for cached tile features, lent to a job one per tile slot of a batch and recycled batch
// after batch: a warm segmentation reads ~1 M feature values per tile, and handing the garbage collector a
// fresh 4 MB array per tile made it run a full collection every job (external memory pressure), costing
// more than the decoding. A job takes a set from a small process-wide pool and gives it back when it ends,
// so repeated warm runs (re-segmenting an area with another head, another export) reuse the same memory.
import type { FeatureBuffer } from '../store/featureCache';

/** A buffer that keeps the largest array it was asked for and hands out prefixes of it. */
class GrowingBuffer implements FeatureBuffer {
  private array = new Float32Array(0);

  take(length: number): Float32Array {
    if (this.array.length < length) this.array = new Float32Array(length);
    return this.array.subarray(0, length);
  }

  get bytes(): number {
    return this.array.byteLength;
  }
}

export class TileBuffers {
  private readonly slots: GrowingBuffer[] = [];

  /** The buffer of slot i of the current batch; what it held for the previous batch is overwritten. */
  slot(i: number): FeatureBuffer {
    while (this.slots.length <= i) this.slots.push(new GrowingBuffer());
    return this.slots[i];
  }

  get bytes(): number {
    return this.slots.reduce((n, s) => n + s.bytes, 0);
  }
}

// At most this much decode memory stays with the process between jobs (two jobs of 4-tile batches of a
// DiffusionSat-size backbone's taps); a job that used more simply lets its buffers go.
const KEEP_BYTES = 128 * 1024 ** 2;
const idle: TileBuffers[] = [];

export function acquireTileBuffers(): TileBuffers {
  return idle.pop() ?? new TileBuffers();
}

/** Gives the buffers back; no feature set decoded into them may be used afterwards. */
export function releaseTileBuffers(b: TileBuffers): void {
  const kept = idle.reduce((n, x) => n + x.bytes, 0);
  if (kept + b.bytes <= KEEP_BYTES && !idle.includes(b)) idle.push(b);
}
