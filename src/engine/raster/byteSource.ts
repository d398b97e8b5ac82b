// Ranged access to the bytes of a raster file. Readers never load a whole file: they ask for the header, the
// IFDs and the blocks a window needs. Every read is checked against the file size first, so a corrupt offset
// or byte count becomes a CorruptRasterError instead of a giant allocation or a silent zero-filled buffer.
import { open, type FileHandle } from 'node:fs/promises';
import { CorruptRasterError, throwIfCancelled } from '../../shared/errors';

export interface ByteSource {
  /** Name used in error messages (the path, or a label for in-memory bytes). */
  readonly name: string;
  readonly size: number;
  /** Exactly `length` bytes at `offset`; throws CorruptRasterError when the range passes the end of the file. */
  read(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array>;
  /** Up to `length` bytes at `offset` (fewer at the end of the file). */
  readUpTo(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array>;
  /** Bytes handed out so far (tests use it to prove reads are ranged). */
  readonly bytesRead: number;
  close(): Promise<void>;
}

function checkRange(source: ByteSource, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new CorruptRasterError(source.name, `invalid byte range (offset ${offset}, length ${length})`);
  }
  if (offset + length > source.size) {
    throw new CorruptRasterError(
      source.name,
      `it needs bytes ${offset}–${offset + length} but the file has only ${source.size} bytes (truncated?)`,
    );
  }
}

// Small reads (strips of a striped GeoTIFF, often a few KiB each and stored one after another) are served from
// one read-ahead chunk: a 1-row-strip scene is otherwise a thousand system calls per window, which cost more than
// decoding the strips. Large blocks bypass it.
const READ_AHEAD = 256 * 1024;
const SMALL_READ = 32 * 1024;

export class FileByteSource implements ByteSource {
  bytesRead = 0;
  private closed = false;
  private ahead: { start: number; end: number; bytes: Promise<Uint8Array> } | null = null;

  private constructor(readonly name: string, readonly size: number, private readonly handle: FileHandle) {}

  static async open(path: string): Promise<FileByteSource> {
    const handle = await open(path, 'r');
    try {
      const stat = await handle.stat();
      return new FileByteSource(path, stat.size, handle);
    } catch (e) {
      await handle.close();
      throw e;
    }
  }

  async read(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
    checkRange(this, offset, length);
    return this.readUpTo(offset, length, signal);
  }

  async readUpTo(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
    throwIfCancelled(signal, 'Reading the raster');
    const n = Math.max(0, Math.min(length, this.size - offset));
    if (n > 0 && n <= SMALL_READ) {
      let a = this.ahead;
      if (!a || offset < a.start || offset + n > a.end) {
        const end = Math.min(this.size, offset + Math.max(READ_AHEAD, n));
        a = this.ahead = { start: offset, end, bytes: this.readDirect(offset, end - offset) };
        // A failed chunk is not kept: the next read retries (and reports the error itself).
        a.bytes.catch(() => { if (this.ahead === a) this.ahead = null; });
      }
      const chunk = await a.bytes;
      this.bytesRead += n;
      // A copy: callers own what they get (decoders and predictors work in place).
      return chunk.slice(offset - a.start, offset - a.start + n);
    }
    const out = await this.readDirect(offset, n);
    this.bytesRead += n;
    return out;
  }

  private async readDirect(offset: number, n: number): Promise<Uint8Array> {
    const out = new Uint8Array(n);
    let done = 0;
    while (done < n) {
      const { bytesRead } = await this.handle.read(out, done, n - done, offset + done);
      // The file shrank under us (rewritten while open): report it as truncation, not a hang.
      if (bytesRead === 0) throw new CorruptRasterError(this.name, `the file ended at byte ${offset + done} while reading`);
      done += bytesRead;
    }
    return out;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close();
  }
}

export class BufferByteSource implements ByteSource {
  bytesRead = 0;
  readonly size: number;

  constructor(readonly name: string, private readonly bytes: Uint8Array) {
    this.size = bytes.byteLength;
  }

  async read(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
    checkRange(this, offset, length);
    return this.readUpTo(offset, length, signal);
  }

  async readUpTo(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
    throwIfCancelled(signal, 'Reading the raster');
    const end = Math.min(this.size, offset + Math.max(0, length));
    const out = this.bytes.slice(Math.min(offset, end), end);
    this.bytesRead += out.byteLength;
    return out;
  }

  async close(): Promise<void> {}
}
