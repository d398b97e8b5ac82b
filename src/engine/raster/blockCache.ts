// A byte-bounded LRU of decoded blocks, shared by the reads of one open raster. Tiles of a grid overlap, so
// neighbouring reads need the same blocks; the cap keeps memory bounded by the blocks in flight, never by the
// raster's size. Concurrent requests for one block share a single fetch+decode.
export class BlockCache {
  private readonly done = new Map<string, Uint8Array>();
  private readonly pending = new Map<string, Promise<Uint8Array>>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  get size(): number {
    return this.bytes;
  }

  async get(key: string, load: () => Promise<Uint8Array>): Promise<Uint8Array> {
    const hit = this.done.get(key);
    if (hit) {
      // Re-insert: Map iteration order is insertion order, so the first key is the least recently used.
      this.done.delete(key);
      this.done.set(key, hit);
      return hit;
    }
    const inFlight = this.pending.get(key);
    if (inFlight) return inFlight;
    const p = load().then(
      (block) => {
        this.pending.delete(key);
        this.put(key, block);
        return block;
      },
      (e) => {
        this.pending.delete(key);
        throw e;
      },
    );
    this.pending.set(key, p);
    return p;
  }

  clear(): void {
    this.done.clear();
    this.bytes = 0;
  }

  private put(key: string, block: Uint8Array): void {
    if (block.byteLength > this.maxBytes) return;
    this.done.set(key, block);
    this.bytes += block.byteLength;
    for (const [k, b] of this.done) {
      if (this.bytes <= this.maxBytes) break;
      this.done.delete(k);
      this.bytes -= b.byteLength;
    }
  }
}
