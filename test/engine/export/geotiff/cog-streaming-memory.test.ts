// The writer streams: a 20000×20000 class mask (400 MB of pixels) is written tile by tile in a child
// process whose peak RSS must stay far below the raster's size; the result is then spot-checked
// against the generating function at full resolution and in overviews, by geotiff.js and by GDAL.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fromFile } from 'geotiff';
import { maskValue } from './stream-mask.child';
import { gdalinfo, hasGdal, validateCog } from './gdal';

const SIZE = 20000;
const dir = mkdtempSync(join(tmpdir(), 'cog-stream-'));
const path = join(dir, 'mask.tif');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Overview level k, pixel (i, j) under nearest resampling is the top-left pixel of its 2^k block.
const expectedAt = (level: number, i: number, j: number) => maskValue(i << level, j << level);

describe('streaming a 20000×20000 uint8 mask', () => {
  let run: { bytes: number; levels: number; maxRssBytes: number; maxPendingBytes: number };

  it('keeps peak memory bounded (well under the 400 MB the raster would take)', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', join(__dirname, 'stream-mask.child.ts'), path, String(SIZE)], { encoding: 'utf8', maxBuffer: 1 << 20 });
    run = JSON.parse(out.trim().split('\n').at(-1)!);
    expect(run.levels).toBe(7);
    // Node + tsx alone is ~60 MB; tiles in flight are capped at 64 MB; the overview rows are ~10 MB.
    expect(run.maxRssBytes).toBeLessThan(300 * 2 ** 20);
    // Parents in progress: about one row of 512² tiles per level (20 at level 1), not a level.
    expect(run.maxPendingBytes).toBeLessThanOrEqual(48 * 512 * 512);
  });

  it('reads back at sampled windows of every level with geotiff.js', async () => {
    const tiff = await fromFile(path);
    try {
      expect(await tiff.getImageCount()).toBe(7);
      for (const [level, x, y] of [[0, 0, 0], [0, 19950, 19950], [0, 12300, 6700], [0, 511, 511], [1, 4000, 9970], [3, 1200, 600], [6, 0, 0]] as const) {
        const img = await tiff.getImage(level);
        const w = Math.min(64, img.getWidth() - x);
        const h = Math.min(64, img.getHeight() - y);
        const px = ((await img.readRasters({ window: [x, y, x + w, y + h] })) as unknown as Uint8Array[])[0];
        let bad = -1;
        for (let j = 0; j < h && bad < 0; j++) for (let i = 0; i < w; i++) if (px[j * w + i] !== expectedAt(level, x + i, y + j)) { bad = j * w + i; break; }
        expect(bad, `level ${level} window at ${x},${y}`).toBe(-1);
      }
    } finally {
      tiff.close();
    }
  });

  it.skipIf(!hasGdal)('is a valid COG that GDAL reads with the same values', () => {
    const info = gdalinfo(path);
    expect(info.size).toEqual([SIZE, SIZE]);
    expect(info.bands[0].overviews.map((o: { size: number[] }) => o.size[0])).toEqual([10000, 5000, 2500, 1250, 625, 313]);
    expect(info.bands[0].categories).toEqual(['water', 'forest', 'crop', 'bare', 'built']);
    for (const [level, x, y] of [[0, 19999, 19999], [0, 12345, 6789], [0, 1000, 1000], [2, 4321, 1234], [5, 600, 300]] as const) {
      // gdallocationinfo takes full-resolution coordinates even for an overview: aim at the block's centre.
      const half = level > 0 ? 1 << (level - 1) : 0;
      const args = ['-valonly', ...(level > 0 ? ['-overview', String(level)] : []), path, String((x << level) + half), String((y << level) + half)];
      expect(Number(execFileSync('gdallocationinfo', args).toString().trim()), `level ${level} at ${x},${y}`).toBe(expectedAt(level, x, y));
    }
    const v = validateCog(path);
    if (v) expect(v.valid, v.output).toBe(true);
  });
});
