// `satdifuser demo`: the main job on the bundled sample scene. For now: inspect and tile it (info, the tile
// grid, every tile read with its per-band statistics and a percentile stretch from an overview). The pipeline
// will turn this into "segment the scene with the default model".
import { resourcePath } from '../../engine/geo/resources';
import { percentileStretch } from '../../engine/raster/normalize';
import { openRaster } from '../../engine/raster/open';
import { tileGrid } from '../../engine/raster/tileGrid';
import { throwIfCancelled } from '../../shared/errors';
import type { CliCommand } from '../command';
import { createProgress } from '../progress';
import { parseCommandArgs } from './args';
import { infoText } from './rasterSummary';
import { gridSummary } from './tiles';

const usage = `Usage: satdifuser demo

Runs the main job on the bundled sample scene (Landsat 7, Olinda, resources/sample/L7_ETMs.tif):
describes it, lays the 256-pixel tile grid (overlap 32) over it and reads every tile.`;

export const command: CliCommand = {
  name: 'demo',
  summary: 'Inspect and tile the bundled sample scene',
  usage,
  async run(args, ctx) {
    parseCommandArgs(args, {}, usage);
    const path = resourcePath('sample', 'L7_ETMs.tif');
    const src = await openRaster(path, { signal: ctx.signal });
    try {
      const info = src.info;
      ctx.stdout.write(infoText(info));
      const grid = tileGrid(info, { tileSize: 256, overlap: 32 });
      ctx.stdout.write(`\nTile grid: ${gridSummary(info, grid)}\n`);
      const stretch = await percentileStretch(src, { lower: 2, upper: 98, signal: ctx.signal });
      ctx.stdout.write(`2–98 % stretch (from ${stretch.sampledFrom}): ${stretch.ranges.map((r, b) => `B${b + 1} ${r.low}–${r.high}`).join(', ')}\n\n`);
      const progress = createProgress('Reading tiles', ctx.stderr);
      const rows: string[] = [];
      let done = 0;
      for (const t of grid) {
        throwIfCancelled(ctx.signal, 'The demo');
        const block = await src.read({ window: t.window, signal: ctx.signal });
        const means = block.bands.map((band) => {
          let s = 0;
          let n = 0;
          for (let i = 0; i < band.length; i++) if (block.valid[i]) { s += band[i]; n++; }
          return n ? (s / n).toFixed(1) : 'n/a';
        });
        rows.push(`tile ${t.index} (row ${t.row}, col ${t.col}) window ${t.window.x},${t.window.y} ${t.window.width}×${t.window.height}: mean per band ${means.join(' ')}`);
        progress.update({ done: ++done, total: grid.count, unit: 'tiles' });
      }
      progress.finish(`${done} tiles read`);
      ctx.stdout.write(rows.join('\n') + '\n');
    } finally {
      await src.close();
    }
    return 0;
  },
};
