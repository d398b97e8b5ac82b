// `satdifuser tiles <raster> [--aoi <geojson>] --tile 256 --overlap 32 [--json]`: the tile grid a job would
// process, tile by tile. Output is streamed, so a grid of a million tiles prints in bounded memory.
import { readFile } from 'node:fs/promises';
import { FileNotFoundError, InvalidArgumentError, SatError } from '../../shared/errors';
import { parseAoi, type Aoi } from '../../engine/geo/geojson';
import { pixelToCrs } from '../../engine/geo/affine';
import { openRaster } from '../../engine/raster/open';
import { tileGrid, type Tile, type TileGrid } from '../../engine/raster/tileGrid';
import type { RasterInfo } from '../../shared/raster';
import type { CliCommand, CliContext } from '../command';
import { intOption, parseCommandArgs } from './args';

const usage = `Usage: satdifuser tiles <raster> [--aoi <geojson>] --tile 256 --overlap 32 [--json]

Lists the tiles of the grid over the raster (or over the area of interest): each tile's read window, the core it
owns when results are stitched, and its geotransform. Tiles stay inside the raster; the last row and column are
shifted back to end at the edge of the area.

Options:
  --aoi <file>     GeoJSON Polygon/MultiPolygon (or Feature/FeatureCollection); WGS 84 lon/lat unless it has
                   a "crs" member. Only tiles that touch it are listed.
  --tile <px>      tile size in pixels (default 256)
  --overlap <px>   overlap between neighbouring tiles in pixels (default 32, at most half the tile)
  --json           print JSON: the grid and its tiles`;

export async function loadAoi(path: string): Promise<Aoi> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new FileNotFoundError(path, 'AOI file');
    throw new SatError('IO_ERROR', `The AOI file "${path}" cannot be read: ${(e as Error).message}.`);
  }
  return parseAoi(text, `"${path}"`);
}

/** Thrown when the reader of stdout went away (`satdifuser tiles … | head`): stop quietly, like GDAL tools. */
class OutputClosed extends Error {}

function streamWriter(ctx: CliContext): (s: string) => Promise<void> {
  let closed = false;
  ctx.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') closed = true;
  });
  return async (s) => {
    if (closed) throw new OutputClosed();
    // Respect back-pressure so a huge grid piped into a slow reader does not pile up in memory.
    if (!ctx.stdout.write(s)) {
      await new Promise<void>((resolve) => {
        const done = (): void => { ctx.stdout.off('drain', done); ctx.stdout.off('error', done); resolve(); };
        ctx.stdout.once('drain', done);
        ctx.stdout.once('error', done);
      });
    }
    if (closed) throw new OutputClosed();
  };
}

const win = (w: { x: number; y: number; width: number; height: number }): string => `${w.x},${w.y},${w.width}x${w.height}`;

export function gridSummary(info: RasterInfo, grid: TileGrid): string {
  const e = grid.extent;
  return `${grid.count} tile(s) of ${grid.tileSize}×${grid.tileSize} px (grid ${grid.rows} rows × ${grid.cols} cols), overlap ${grid.overlap} px, ` +
    `stride ${grid.tileSize - grid.overlap} px, covering pixels ${e.x},${e.y} to ${e.x + e.width},${e.y + e.height} of ${info.width}×${info.height}` +
    (grid.aoiPixels ? ' (the AOI bounding box)' : '');
}

function tileJson(t: Tile): string {
  return JSON.stringify({ index: t.index, row: t.row, col: t.col, window: t.window, core: t.core, transform: t.transform });
}

export const command: CliCommand = {
  name: 'tiles',
  summary: 'List the tile grid (windows, cores, transforms) over a raster or an AOI',
  usage,
  async run(args, ctx) {
    const { values, positionals } = parseCommandArgs(args, {
      aoi: { type: 'string' }, tile: { type: 'string' }, overlap: { type: 'string' }, json: { type: 'boolean' },
    }, usage);
    if (positionals.length !== 1) throw new InvalidArgumentError(positionals.length ? 'Give exactly one raster.' : 'Which raster? Give its path.', usage);
    const tileSize = intOption(values, 'tile', 256);
    const overlap = intOption(values, 'overlap', 32);
    const aoi = typeof values.aoi === 'string' ? await loadAoi(values.aoi) : null;
    const src = await openRaster(positionals[0], { signal: ctx.signal });
    const write = streamWriter(ctx);
    try {
      const info = src.info;
      const grid = tileGrid(info, { tileSize, overlap, aoi });
      if (values.json) {
        const head = {
          raster: info.path, width: info.width, height: info.height, epsg: info.epsg, crs: info.crs?.definition ?? null,
          tileSize, overlap, stride: tileSize - overlap, rows: grid.rows, cols: grid.cols, count: grid.count, extent: grid.extent,
        };
        await write(JSON.stringify(head, null, 2).replace(/\n}$/, ',\n  "tiles": [\n'));
        let first = true;
        for (const t of grid) {
          await write(`${first ? '' : ',\n'}    ${tileJson(t)}`);
          first = false;
        }
        await write('\n  ]\n}\n');
      } else {
        await write(gridSummary(info, grid) + '\n');
        await write(`${'tile'.padStart(6)} ${'row'.padStart(4)} ${'col'.padStart(4)}  ${'window (x,y,wxh)'.padEnd(22)} ${'core (x,y,wxh)'.padEnd(22)} origin (CRS x, y)\n`);
        for (const t of grid) {
          const o = pixelToCrs(info.transform, [t.window.x, t.window.y]);
          await write(`${String(t.index).padStart(6)} ${String(t.row).padStart(4)} ${String(t.col).padStart(4)}  ${win(t.window).padEnd(22)} ${win(t.core).padEnd(22)} ${o[0].toFixed(3)}, ${o[1].toFixed(3)}\n`);
        }
      }
    } catch (e) {
      if (!(e instanceof OutputClosed)) throw e;
    } finally {
      await src.close();
    }
    return 0;
  },
};
