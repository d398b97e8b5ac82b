// FileByteSource serves small reads from a read-ahead chunk: every range, concurrent or not, must still be the
// file's exact bytes, owned by the caller, with truncation reported as before.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SatError } from '../../../src/shared/errors';
import { FileByteSource } from '../../../src/engine/raster/byteSource';

describe('FileByteSource read-ahead', () => {
  const size = 700_000; // a few read-ahead chunks, not a multiple of one
  const bytes = new Uint8Array(size).map((_, i) => (i * 2654435761) >>> 24);
  const path = join(mkdtempSync(join(tmpdir(), 'bytesource-')), 'f.bin');
  writeFileSync(path, bytes);

  it('small and large ranges, sequential, random and concurrent, equal the file', async () => {
    const src = await FileByteSource.open(path);
    try {
      let seed = 7;
      const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) % n);
      const ranges: [number, number][] = [];
      for (let o = 0; o < 200_000; o += 3001) ranges.push([o, 3001]); // consecutive strips
      for (let i = 0; i < 200; i++) ranges.push([rnd(size), 1 + rnd(40_000)]); // small and a few over the threshold
      ranges.push([size - 10, 10], [0, size]);
      for (const [o, n] of ranges) {
        const got = await src.readUpTo(o, n);
        expect(got.length).toBe(Math.min(n, size - o));
        expect(Buffer.from(got).equals(Buffer.from(bytes.subarray(o, o + n)))).toBe(true);
      }
      const batch = Array.from({ length: 24 }, (_, i) => [250_000 + i * 5000, 4000] as const);
      const all = await Promise.all(batch.map(([o, n]) => src.read(o, n)));
      all.forEach((got, i) => expect(Buffer.from(got).equals(Buffer.from(bytes.subarray(batch[i][0], batch[i][0] + batch[i][1])))).toBe(true));
      // Callers own their bytes: writing to one result changes neither the file's view nor a later read.
      const a = await src.read(1000, 100);
      a.fill(0);
      expect(Buffer.from(await src.read(1000, 100)).equals(Buffer.from(bytes.subarray(1000, 1100)))).toBe(true);
      expect(src.bytesRead).toBeGreaterThan(0);
    } finally {
      await src.close();
    }
  });

  it('a range past the end is still a typed CORRUPT_RASTER error', async () => {
    const src = await FileByteSource.open(path);
    try {
      await expect(src.read(size - 5, 10)).rejects.toBeInstanceOf(SatError);
      await expect(src.read(size - 5, 10)).rejects.toMatchObject({ code: 'CORRUPT_RASTER' });
      expect((await src.readUpTo(size - 5, 10)).length).toBe(5);
    } finally {
      await src.close();
    }
  });
});
