// Writes the final COG from the spooled tiles: head (header, ghost area, IFDs, tile arrays), then each
// level's tiles, smallest level first, in TIFF tile order, each framed by GDAL's leader and trailer.
// Streams through one fixed buffer, so memory does not grow with the file.
import { closeSync, fdatasyncSync, openSync, writeSync } from 'node:fs';
import { isSatError, throwIfCancelled } from '../../../shared/errors';
import type { CogLayout } from './cog-layout';
import { ioError } from './temp-files';
import type { TileSpool } from './tile-spool';

const BUFFER = 8 << 20;

export function assembleCog(path: string, layout: CogLayout, spools: readonly TileSpool[], signal: AbortSignal | undefined, onTile: (done: number) => void): void {
  let fd: number;
  try { fd = openSync(path, 'wx'); } catch (e) { throw ioError(path, 'create', e); }
  let filePos = 0;
  let buf = Buffer.allocUnsafe(BUFFER);
  let used = 0;
  const flush = () => {
    let done = 0;
    while (done < used) done += writeSync(fd, buf, done, used - done, filePos + done);
    filePos += used;
    used = 0;
  };
  try {
    let done = 0;
    const write = (bytes: Uint8Array) => {
      if (used + bytes.byteLength > buf.length) flush();
      if (bytes.byteLength > buf.length) { used = 0; buf = Buffer.allocUnsafe(bytes.byteLength); }
      buf.set(bytes, used);
      used += bytes.byteLength;
    };
    write(layout.head);
    for (let level = spools.length - 1; level >= 0; level--) {
      const spool = spools[level];
      const offsets = layout.tileOffsets[level];
      for (let t = 0; t < spool.tileCount; t++) {
        const len = spool.length(t);
        const need = len + 8;
        if (used + need > buf.length) {
          flush();
          throwIfCancelled(signal, 'Writing the GeoTIFF');
          if (need > buf.length) buf = Buffer.allocUnsafe(need);
        }
        if (filePos + used + 4 !== offsets[t]) throw new Error(`assembleCog: tile ${t} of level ${level} lands at ${filePos + used + 4}, planned ${offsets[t]}`);
        buf.writeUInt32LE(len, used);
        spool.read(t, buf, used + 4);
        // Trailer: the last 4 bytes of the tile again (GDAL's check that a block was not rewritten).
        buf.copyWithin(used + 4 + len, used + len, used + 4 + len);
        used += need;
        onTile(++done);
      }
    }
    flush();
    throwIfCancelled(signal, 'Writing the GeoTIFF');
    if (filePos !== layout.totalSize) throw new Error(`assembleCog: wrote ${filePos} bytes, planned ${layout.totalSize}`);
    fdatasyncSync(fd);
  } catch (e) {
    if (!isSatError(e) && typeof (e as NodeJS.ErrnoException).code === 'string') throw ioError(path, 'write', e);
    throw e;
  } finally {
    closeSync(fd);
  }
}
