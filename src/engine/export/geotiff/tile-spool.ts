// Compressed tiles of one pyramid level, appended to a temporary file in whatever order they finish,
// with each tile's position recorded, so the final file can be assembled in row-major order with all
// IFDs first while memory holds only offsets. Writes are coalesced into large chunks.
import { closeSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';

const CHUNK = 4 << 20;

export class TileSpool {
  private fd: number | null;
  private readonly offsets: Float64Array;
  private readonly lengths: Float64Array;
  private buffer = Buffer.allocUnsafe(CHUNK);
  private buffered = 0;
  private flushedBytes = 0;

  constructor(readonly path: string, readonly tileCount: number) {
    this.fd = openSync(path, 'wx+');
    this.offsets = new Float64Array(tileCount).fill(-1);
    this.lengths = new Float64Array(tileCount);
  }

  get closed(): boolean {
    return this.fd === null;
  }

  /** Total bytes of all tiles spooled so far. */
  get size(): number {
    return this.flushedBytes + this.buffered;
  }

  has(index: number): boolean {
    return this.offsets[index] >= 0;
  }

  length(index: number): number {
    return this.lengths[index];
  }

  append(index: number, bytes: Uint8Array): void {
    if (this.fd === null) return;
    if (this.offsets[index] >= 0) throw new Error(`TileSpool: tile ${index} written twice`);
    this.offsets[index] = this.size;
    this.lengths[index] = bytes.byteLength;
    if (bytes.byteLength > CHUNK - this.buffered) {
      this.flush();
      if (bytes.byteLength > CHUNK) {
        this.writeAll(bytes);
        return;
      }
    }
    this.buffer.set(bytes, this.buffered);
    this.buffered += bytes.byteLength;
  }

  flush(): void {
    if (this.fd === null || this.buffered === 0) return;
    this.writeAll(this.buffer.subarray(0, this.buffered));
    this.buffered = 0;
  }

  /** Reads tile `index` into `into` at `at` (the spool must be flushed). */
  read(index: number, into: Buffer, at: number): void {
    if (this.fd === null) throw new Error('TileSpool: read after close');
    const len = this.lengths[index];
    let done = 0;
    while (done < len) {
      const n = readSync(this.fd, into, at + done, len - done, this.offsets[index] + done);
      if (n <= 0) throw new Error(`TileSpool: short read of tile ${index} in ${this.path}`);
      done += n;
    }
  }

  /** Closes and deletes the temporary file; safe to call more than once. */
  discard(): void {
    if (this.fd !== null) {
      try { closeSync(this.fd); } catch { /* already gone */ }
      this.fd = null;
    }
    try { unlinkSync(this.path); } catch { /* already gone */ }
    this.buffer = Buffer.alloc(0);
  }

  private writeAll(bytes: Uint8Array): void {
    let done = 0;
    while (done < bytes.byteLength) done += writeSync(this.fd!, bytes, done, bytes.byteLength - done, this.flushedBytes + done);
    this.flushedBytes += bytes.byteLength;
  }
}
