// Memory stays bounded by the tiles in flight: reading every tile of a raster four times larger than the block
// cache keeps the process's array-buffer memory near the cache size, not the raster size.
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanup, hasGdalPython, makeRaster } from './fixtures';

afterAll(cleanup);

describe.skipIf(!hasGdalPython)('bounded memory', () => {
  it('tiling a 3072×3072×4 uint16 raster (72 MiB decoded) with a 16 MiB cache peaks far below the raster size', () => {
    const path = makeRaster({ width: 3072, height: 3072, bands: 4, dtype: 'uint16', co: ['TILED=YES', 'BLOCKXSIZE=256', 'BLOCKYSIZE=256', 'COMPRESS=DEFLATE'] });
    const code = `
      import { openRaster } from './src/engine/raster/open';
      import { tileGrid } from './src/engine/raster/tileGrid';
      const src = await openRaster(${JSON.stringify(path)}, { cacheBytes: 16 * 2 ** 20 });
      const grid = tileGrid(src.info, { tileSize: 512, overlap: 64 });
      let peak = 0, sum = 0;
      for (const t of grid) {
        const b = await src.read({ window: t.window });
        sum += b.bands[3][0];
        globalThis.gc();
        peak = Math.max(peak, process.memoryUsage().arrayBuffers);
      }
      await src.close();
      console.log(JSON.stringify({ peak, tiles: grid.count, sum }));`;
    const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const { peak, tiles } = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(tiles).toBe(49);
    // Cache (16 MiB) + one 512×512×4 tile (2 MiB) + decoding buffers; the raster itself is 72 MiB.
    expect(peak).toBeLessThan(40 * 2 ** 20);
  });
});
