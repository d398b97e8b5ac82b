// The tiles of a job: fixed-size square windows (the backbone's graph has a fixed size) laid over the AOI's
// bounding box with a given overlap, in rows. The last tile of a row or column is moved back to end at the
// box edge rather than padded, so every tile sees real pixels where the raster has them; a box smaller
// than a tile gets one tile centred on it, clamped inside the raster.
import { AbsurdSizeError, InvalidArgumentError } from '../../shared/errors';
import type { PixelWindow } from '../../shared/geometry';

export interface PlannedTile {
  readonly index: number;
  readonly row: number;
  readonly col: number;
  /** The window read for this tile (tileSize × tileSize; may extend past the raster, padded and masked). */
  readonly window: PixelWindow;
  /** Overlap with the neighbour on each side, in pixels (0 at the box edge): the blend tapers over it. */
  readonly overlap: { readonly left: number; readonly right: number; readonly top: number; readonly bottom: number };
}

export interface TilePlan {
  /** The AOI's bounding box in raster pixels (clipped to the raster). */
  readonly box: PixelWindow;
  readonly tileSize: number;
  readonly overlap: number;
  readonly xs: readonly number[];
  readonly ys: readonly number[];
  readonly rows: number;
  readonly cols: number;
  readonly count: number;
  tile(row: number, col: number): PlannedTile;
}

/** Above this a job is refused: it would run for weeks and its journal alone would be gigabytes. */
export const MAX_TILES = 250_000;

function positions(start: number, length: number, tile: number, stride: number, rasterLength: number): number[] {
  if (length <= tile) {
    const centred = start - Math.floor((tile - length) / 2);
    return [rasterLength >= tile ? Math.min(Math.max(centred, 0), rasterLength - tile) : 0];
  }
  const n = Math.ceil((length - tile) / stride) + 1;
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(Math.min(start + i * stride, start + length - tile));
  return out;
}

export function planTiles(box: PixelWindow, raster: { readonly width: number; readonly height: number }, tileSize: number, overlap: number): TilePlan {
  if (!Number.isInteger(tileSize) || tileSize < 16) throw new InvalidArgumentError(`Tile size ${tileSize} is not an integer of at least 16 pixels.`, 'Use the backbone\'s tile size (256 for the default model).');
  if (!Number.isInteger(overlap) || overlap < 0 || overlap * 2 >= tileSize) {
    throw new InvalidArgumentError(`Overlap ${overlap} must be an integer ≥ 0 and less than half the tile size (${tileSize}).`, 'Typical overlaps are 1/8 to 1/4 of the tile, e.g. 32 or 64 for 256-pixel tiles.');
  }
  if (box.width <= 0 || box.height <= 0) throw new InvalidArgumentError('The area to process is empty.', 'Draw an area that covers some pixels of the raster.');
  const stride = tileSize - overlap;
  const cols = box.width <= tileSize ? 1 : Math.ceil((box.width - tileSize) / stride) + 1;
  const rows = box.height <= tileSize ? 1 : Math.ceil((box.height - tileSize) / stride) + 1;
  if (cols * rows > MAX_TILES) {
    throw new AbsurdSizeError(
      `This job would run ${(cols * rows).toLocaleString('en')} tiles (${cols} × ${rows} of ${tileSize} px over ${box.width} × ${box.height} px); the limit is ${MAX_TILES.toLocaleString('en')}.`,
      'Draw a smaller area of interest, or resample the raster to a coarser ground sample distance first (e.g. gdalwarp -tr).',
      { tiles: cols * rows, cols, rows, tileSize },
    );
  }
  const xs = positions(box.x, box.width, tileSize, stride, raster.width);
  const ys = positions(box.y, box.height, tileSize, stride, raster.height);
  const overlapBetween = (a: number, b: number) => Math.max(0, a + tileSize - b);
  return {
    box,
    tileSize,
    overlap,
    xs,
    ys,
    rows: ys.length,
    cols: xs.length,
    count: xs.length * ys.length,
    tile(row, col) {
      return {
        index: row * xs.length + col,
        row,
        col,
        window: { x: xs[col], y: ys[row], width: tileSize, height: tileSize },
        overlap: {
          left: col > 0 ? overlapBetween(xs[col - 1], xs[col]) : 0,
          right: col < xs.length - 1 ? overlapBetween(xs[col], xs[col + 1]) : 0,
          top: row > 0 ? overlapBetween(ys[row - 1], ys[row]) : 0,
          bottom: row < ys.length - 1 ? overlapBetween(ys[row], ys[row + 1]) : 0,
        },
      };
    },
  };
}
