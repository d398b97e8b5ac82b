// Decode buffers for cached tile features, lent to a job one per tile slot of a batch and recycled batch
// after batch: a warm segmentation reads ~1 M feature values per tile, and handing the garbage collector a
// fresh 4 MB array per tile made it run a full collection every job (external memory pressure), costing
// more than the decoding. A job takes a set from a small process-wide pool and gives it back when it ends,
// so repeated warm runs (re-segmenting an area with another head, another export) reuse the same memory.
import { HalfDecoder } from '../nn/halfDecoder';
import type { FeatureBuffer } from '../store/featureCache';

/** One slot: a half decoder whose output memory grows to the largest row it was asked for and is reused. */
class SlotBuffer implements FeatureBuffer {
  private readonly decoder = new HalfDecoder();

  decodeHalves(halves: Uint8Array, count: number): Float32Array {
    return this.decoder.decode(halves, count);
  }

  get bytes(): number {
    return this.decoder.bytes;
  }
}

export class TileBuffers {
  private readonly slots: SlotBuffer[] = [];

  /** The buffer of slot i of the current batch; what it held for the previous batch is overwritten. */
  slot(i: number): FeatureBuffer {
    while (this.slots.length <= i) this.slots.push(new SlotBuffer());
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
