// A read-only ZIP directory for PyTorch checkpoints: torch.save writes an uncompressed ("stored") zip, possibly
// zip64 for big files, so an entry's bytes can be read in place by offset. Deflated entries (a re-zipped file)
// are inflated with node:zlib. Only what torch archives use is supported; anything else is a clear error.
import { closeSync, fstatSync, readSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import { corruptWeights, openWeightsFile } from './reader';

export interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localHeaderOffset: number;
}

const EOCD = 0x06054b50;
const EOCD64 = 0x06064b50;
const EOCD64_LOCATOR = 0x07064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

export class ZipFile {
  readonly entries = new Map<string, ZipEntry>();
  private fd: number | undefined;
  private readonly size: number;

  constructor(readonly path: string) {
    this.fd = openWeightsFile(path, 'checkpoint');
    try {
      this.size = fstatSync(this.fd).size;
      this.readDirectory();
    } catch (e) {
      this.close();
      throw e;
    }
  }

  private read(pos: number, len: number): Buffer {
    if (this.fd === undefined) throw corruptWeights(this.path, 'the file is closed');
    if (pos < 0 || pos + len > this.size) throw corruptWeights(this.path, `a zip record points outside the file (${pos}+${len} > ${this.size})`);
    const b = Buffer.alloc(len);
    let done = 0;
    while (done < len) {
      const k = readSync(this.fd, b, done, Math.min(len - done, 1 << 30), pos + done);
      if (k <= 0) throw corruptWeights(this.path, 'unexpected end of file');
      done += k;
    }
    return b;
  }

  private readDirectory(): void {
    // The end-of-central-directory record is in the last 22 + 65535 bytes (comment at most 64 KiB).
    const tailLen = Math.min(this.size, 22 + 65535);
    const tail = this.read(this.size - tailLen, tailLen);
    let at = -1;
    for (let i = tailLen - 22; i >= 0; i--) if (tail.readUInt32LE(i) === EOCD) { at = i; break; }
    if (at < 0) throw corruptWeights(this.path, 'no zip end-of-directory record (not a zip file, or truncated)');
    let count = tail.readUInt16LE(at + 10);
    let dirSize = tail.readUInt32LE(at + 12);
    let dirOffset = tail.readUInt32LE(at + 16);
    const eocdPos = this.size - tailLen + at;
    if (count === 0xffff || dirSize === 0xffffffff || dirOffset === 0xffffffff) {
      const loc = this.read(eocdPos - 20, 20);
      if (loc.readUInt32LE(0) !== EOCD64_LOCATOR) throw corruptWeights(this.path, 'zip64 locator missing');
      const e64 = this.read(Number(loc.readBigUInt64LE(8)), 56);
      if (e64.readUInt32LE(0) !== EOCD64) throw corruptWeights(this.path, 'zip64 end record missing');
      count = Number(e64.readBigUInt64LE(32));
      dirSize = Number(e64.readBigUInt64LE(40));
      dirOffset = Number(e64.readBigUInt64LE(48));
    }
    const dir = this.read(dirOffset, dirSize);
    let p = 0;
    for (let k = 0; k < count; k++) {
      if (p + 46 > dir.length || dir.readUInt32LE(p) !== CENTRAL) throw corruptWeights(this.path, `zip central directory entry ${k} is damaged`);
      const method = dir.readUInt16LE(p + 10);
      let compressedSize = dir.readUInt32LE(p + 20);
      let size = dir.readUInt32LE(p + 24);
      const nameLen = dir.readUInt16LE(p + 28);
      const extraLen = dir.readUInt16LE(p + 30);
      const commentLen = dir.readUInt16LE(p + 32);
      let localHeaderOffset = dir.readUInt32LE(p + 42);
      const name = dir.toString('utf8', p + 46, p + 46 + nameLen);
      // zip64 extra field: only the fields that are 0xFFFFFFFF in the fixed part appear, in this order.
      let e = p + 46 + nameLen;
      const extraEnd = e + extraLen;
      while (e + 4 <= extraEnd) {
        const id = dir.readUInt16LE(e);
        const len = dir.readUInt16LE(e + 2);
        if (id === 0x0001) {
          let q = e + 4;
          if (size === 0xffffffff) { size = Number(dir.readBigUInt64LE(q)); q += 8; }
          if (compressedSize === 0xffffffff) { compressedSize = Number(dir.readBigUInt64LE(q)); q += 8; }
          if (localHeaderOffset === 0xffffffff) { localHeaderOffset = Number(dir.readBigUInt64LE(q)); }
        }
        e += 4 + len;
      }
      this.entries.set(name, { name, method, compressedSize, size, localHeaderOffset });
      p = extraEnd + commentLen;
    }
  }

  /** Where an entry's (stored) data starts in the file. */
  dataOffset(entry: ZipEntry): number {
    const h = this.read(entry.localHeaderOffset, 30);
    if (h.readUInt32LE(0) !== LOCAL) throw corruptWeights(this.path, `the local header of "${entry.name}" is damaged`);
    return entry.localHeaderOffset + 30 + h.readUInt16LE(26) + h.readUInt16LE(28);
  }

  /** `len` bytes of a stored entry from byte `start` (the whole entry by default); deflated entries are inflated. */
  readEntry(entry: ZipEntry, start = 0, len = entry.size - start): Uint8Array {
    if (start < 0 || start + len > entry.size) throw corruptWeights(this.path, `a tensor in "${entry.name}" points past the end of its storage`);
    const at = this.dataOffset(entry);
    if (entry.method === 0) return new Uint8Array(this.read(at + start, len));
    if (entry.method === 8) {
      const raw = inflateRawSync(this.read(at, entry.compressedSize));
      if (raw.length !== entry.size) throw corruptWeights(this.path, `"${entry.name}" inflates to ${raw.length} bytes, expected ${entry.size}`);
      return new Uint8Array(raw.buffer, raw.byteOffset + start, len);
    }
    throw corruptWeights(this.path, `"${entry.name}" uses zip compression method ${entry.method} (only stored and deflate are read)`);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
