// The tile grid over an area of interest: tiles of N×N pixels with overlap, placed inside the raster, each with
// its read window, its core (the pixels it owns when tiles are stitched: cores partition the grid's extent) and
// its geotransform. Tiles are produced by an iterator; the grid itself holds one bit per tile (which tiles touch
// the AOI), so memory does not grow with the raster.
import { AbsurdSizeError, AoiOutsideRasterError, InvalidArgumentError, UnknownCrsError } from '../../shared/errors';
import type { GeoTransform, PixelWindow, PolygonGeometry } from '../../shared/geometry';
import type { RasterInfo } from '../../shared/raster';
import { windowTransform } from '../geo/affine';
import type { Aoi } from '../geo/geojson';
import { rasterizePixels, toPixelSpace } from '../geo/rasterize';
import { reprojectPolygon } from '../geo/reproject';

export interface Tile {
  /** Position in iteration order among the tiles that touch the AOI. */
  readonly index: number;
  readonly row: number;
  readonly col: number;
  /** What to read: tileSize × tileSize, inside the raster (smaller only where the raster itself is). */
  readonly window: PixelWindow;
  /** The part of the window this tile owns in a stitched result. */
  readonly core: PixelWindow;
  /** Geotransform of the window's pixel grid. */
  readonly transform: GeoTransform;
}

export interface TileGridOptions {
  readonly tileSize: number;
  readonly overlap: number;
  /** The area to cover; default the whole raster. Any CRS: it is reprojected (densified) to the raster's. */
  readonly aoi?: Aoi | null;
  /** Refuse grids with more tiles than this (default 1,000,000). */
  readonly maxTiles?: number;
}

export interface TileGrid extends Iterable<Tile> {
  readonly tileSize: number;
  readonly overlap: number;
  readonly rows: number;
  readonly cols: number;
  /** Tiles that touch the AOI (all rows × cols without an AOI). */
  readonly count: number;
  /** The AOI's bounding box in pixels, clipped to the raster (the union of the cores). */
  readonly extent: PixelWindow;
  /** The AOI in raster pixel coordinates (null when the grid covers the whole raster). */
  readonly aoiPixels: PolygonGeometry | null;
  tile(row: number, col: number): Tile;
  /** Whether tile (row, col) touches the AOI. */
  touches(row: number, col: number): boolean;
  /** 1 where a pixel of the window is inside the AOI (all ones without an AOI). */
  aoiMask(window: PixelWindow): Uint8Array;
}

export const MIN_TILE = 16;
export const MAX_TILE = 16384;

interface Axis {
  starts: number[];
  cuts: number[]; // cores: [cuts[i], cuts[i+1])
  size: number;
}

/** Tile starts along one axis: stride steps from the extent start, the last one shifted back to end at the extent end. */
function axis(e0: number, e1: number, rasterSize: number, tile: number, overlap: number): Axis {
  const size = Math.min(tile, rasterSize);
  const span = e1 - e0;
  const stride = tile - overlap;
  const starts: number[] = [];
  if (span <= size) {
    starts.push(Math.max(0, Math.min(rasterSize - size, e0 - Math.floor((size - span) / 2))));
  } else {
    const n = Math.ceil((span - size) / stride) + 1;
    for (let i = 0; i < n - 1; i++) starts.push(e0 + i * stride);
    starts.push(e1 - size);
  }
  const cuts = [e0];
  for (let i = 1; i < starts.length; i++) cuts.push(Math.floor((starts[i] + starts[i - 1] + size) / 2));
  cuts.push(e1);
  return { starts, cuts, size };
}

function checkInt(name: string, v: number, lo: number, hi: number, hint: string): void {
  if (!Number.isInteger(v) || v < lo || v > hi) throw new InvalidArgumentError(`${name} must be an integer from ${lo} to ${hi}, not ${v}.`, hint);
}

export function tileGrid(info: RasterInfo, opts: TileGridOptions): TileGrid {
  const { tileSize, overlap } = opts;
  checkInt('The tile size', tileSize, MIN_TILE, MAX_TILE, 'Typical: 256 or 512 pixels.');
  checkInt('The overlap', overlap, 0, Math.floor(tileSize / 2), 'Typical: 1/8 of the tile (32 for 256). It may not exceed half the tile.');
  let aoiPixels: PolygonGeometry | null = null;
  let extent: PixelWindow = { x: 0, y: 0, width: info.width, height: info.height };
  if (opts.aoi) {
    let geom = opts.aoi.geometry;
    if (info.georeferenced) {
      if (!info.crs) {
        throw new UnknownCrsError(`of "${info.path}"`, 'The raster has a geotransform but no known CRS, so an AOI cannot be placed on it. Assign one (gdal_edit.py -a_srs EPSG:xxxx).');
      }
      geom = reprojectPolygon(geom, opts.aoi.crs, info.crs);
    }
    // A pixel raster (no georeferencing) takes the AOI in pixel coordinates of its identity transform.
    aoiPixels = toPixelSpace(geom, info.transform);
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    const rings = aoiPixels.type === 'Polygon' ? aoiPixels.coordinates : aoiPixels.coordinates.flat();
    for (const ring of rings) for (const [x, y] of ring) {
      x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
    }
    // Snap outwards to whole pixels, ignoring floating-point noise of the inverse transform (1e-6 px).
    const ex0 = Math.max(0, Math.floor(x0 + 1e-6));
    const ey0 = Math.max(0, Math.floor(y0 + 1e-6));
    const ex1 = Math.min(info.width, Math.ceil(x1 - 1e-6));
    const ey1 = Math.min(info.height, Math.ceil(y1 - 1e-6));
    if (!(ex1 > ex0 && ey1 > ey0)) throw new AoiOutsideRasterError(info.path);
    extent = { x: ex0, y: ey0, width: ex1 - ex0, height: ey1 - ey0 };
  }
  const ax = axis(extent.x, extent.x + extent.width, info.width, tileSize, overlap);
  const ay = axis(extent.y, extent.y + extent.height, info.height, tileSize, overlap);
  const rows = ay.starts.length;
  const cols = ax.starts.length;
  const maxTiles = opts.maxTiles ?? 1_000_000;
  if (rows * cols > maxTiles) {
    throw new AbsurdSizeError(
      `A ${tileSize}-pixel grid over ${extent.width}×${extent.height} pixels of "${info.path}" would have ${rows * cols} tiles (limit ${maxTiles}).`,
      'Use a larger tile, a smaller area of interest, or an overview-level (coarser) run.',
      { rows, cols, tileSize, extent },
    );
  }

  // Which tiles touch the AOI: rasterize the AOI one tile row at a time (bounded memory), OR-ing row spans.
  let touched: Uint8Array | null = null;
  let count = rows * cols;
  if (aoiPixels) {
    touched = new Uint8Array(Math.ceil((rows * cols) / 8));
    count = 0;
    const strip = (r: number): Uint8Array => {
      const win = { x: extent.x, y: ay.starts[r], width: extent.width, height: ay.size };
      const m = rasterizePixels(aoiPixels!, win);
      const colHit = new Uint8Array(extent.width);
      for (let y = 0; y < win.height; y++) for (let x = 0; x < win.width; x++) if (m[y * win.width + x]) colHit[x] = 1;
      return colHit;
    };
    for (let r = 0; r < rows; r++) {
      const colHit = strip(r);
      const prefix = new Int32Array(extent.width + 1);
      for (let x = 0; x < extent.width; x++) prefix[x + 1] = prefix[x] + colHit[x];
      for (let c = 0; c < cols; c++) {
        const a = Math.max(0, ax.starts[c] - extent.x);
        const b = Math.min(extent.width, ax.starts[c] + ax.size - extent.x);
        if (b > a && prefix[b] - prefix[a] > 0) {
          const k = r * cols + c;
          touched[k >> 3] |= 1 << (k & 7);
          count++;
        }
      }
    }
    if (count === 0) throw new AoiOutsideRasterError(info.path);
  }

  const touches = (row: number, col: number): boolean => {
    if (!touched) return true;
    const k = row * cols + col;
    return (touched[k >> 3] & (1 << (k & 7))) !== 0;
  };
  const make = (row: number, col: number, index: number): Tile => {
    const window = { x: ax.starts[col], y: ay.starts[row], width: ax.size, height: ay.size };
    const core = { x: ax.cuts[col], y: ay.cuts[row], width: ax.cuts[col + 1] - ax.cuts[col], height: ay.cuts[row + 1] - ay.cuts[row] };
    return { index, row, col, window, core, transform: windowTransform(info.transform, window) };
  };
  return {
    tileSize, overlap, rows, cols, count, extent, aoiPixels,
    touches,
    tile(row, col) {
      if (!Number.isInteger(row) || !Number.isInteger(col) || row < 0 || col < 0 || row >= rows || col >= cols) {
        throw new InvalidArgumentError(`Tile (${row}, ${col}) is outside the ${rows}×${cols} grid.`);
      }
      let index = 0;
      for (let k = 0; k < row * cols + col; k++) if (touches(Math.floor(k / cols), k % cols)) index++;
      return make(row, col, index);
    },
    aoiMask(window) {
      if (!aoiPixels) return new Uint8Array(window.width * window.height).fill(1);
      return rasterizePixels(aoiPixels, window);
    },
    *[Symbol.iterator]() {
      let index = 0;
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) if (touches(r, c)) yield make(r, c, index++);
    },
  };
}
