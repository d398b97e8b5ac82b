// The read planner shared by every raster format: validate a ReadRequest, pick the pyramid level, read the
// integer window that covers the request at that level, build the validity mask (raster edges, nodata, alpha,
// internal mask) and resample to the requested output size.
import { AbsurdSizeError, InvalidArgumentError, throwIfCancelled } from '../../shared/errors';
import type { PixelWindow } from '../../shared/geometry';
import type { RasterInfo } from '../../shared/raster';
import { bytesPerValue, fillValue, isFloat } from './dataType';
import { resampleGrid } from './resample';
import type { RasterBlock, ReadRequest, TypedArray } from './source';

/** One resolution level (full resolution or an overview) of a raster. */
export interface Level {
  readonly width: number;
  readonly height: number;
  /** Reads `samples` over an integer window that may pass the edges (those pixels are set to `fill`). */
  read(win: PixelWindow, samples: readonly number[], fill: number, signal?: AbortSignal): Promise<TypedArray[]>;
  /** The internal mask over the window (non-zero = valid), or null when the level has none. */
  readMask?(win: PixelWindow, signal?: AbortSignal): Promise<Uint8Array | null>;
}

export interface ReadContext {
  readonly info: RasterInfo;
  /** levels[0] is full resolution, levels[k] the k-th overview (finest first). */
  readonly levels: readonly Level[];
  /** 0-based sample that is an alpha band (masks the others), or null. */
  readonly alphaSample: number | null;
}

// One read allocates its window; past this the caller should be tiling (the tile grid exists for that).
export const MAX_READ_BYTES = 1024 * 1024 * 1024;

const isInt = (v: number): boolean => Number.isSafeInteger(v);

function checkRequest(info: RasterInfo, req: ReadRequest): void {
  const w = req.window;
  if (!w || ![w.x, w.y, w.width, w.height].every(isInt) || w.width < 1 || w.height < 1) {
    throw new InvalidArgumentError(`Invalid read window ${JSON.stringify(w)}: x, y, width and height must be integers, width and height ≥ 1.`);
  }
  for (const b of req.bands ?? []) {
    if (!isInt(b) || b < 0 || b >= info.bands) {
      throw new InvalidArgumentError(`Band ${b} does not exist: "${info.path}" has ${info.bands} band(s), numbered from 0.`);
    }
  }
  for (const [k, v] of [['outWidth', req.outWidth], ['outHeight', req.outHeight]] as const) {
    if (v !== undefined && (!isInt(v) || v < 1)) throw new InvalidArgumentError(`${k} must be a positive integer, not ${v}.`);
  }
  const o = req.overview;
  if (o !== undefined && o !== 'auto' && (!isInt(o) || o < 0 || o > info.overviews.length)) {
    throw new InvalidArgumentError(`Overview ${o} does not exist: "${info.path}" has ${info.overviews.length} overview(s) (0 = full resolution).`);
  }
  if (req.resampling !== undefined && !['nearest', 'bilinear', 'average'].includes(req.resampling)) {
    throw new InvalidArgumentError(`Unknown resampling "${req.resampling}": use nearest, bilinear or average.`);
  }
}

function pickLevel(ctx: ReadContext, req: ReadRequest, outW: number, outH: number): number {
  const o = req.overview ?? (req.outWidth !== undefined || req.outHeight !== undefined ? 'auto' : 0);
  if (o !== 'auto') return o;
  // The coarsest level whose pixels are still no larger than the output pixels (never upsample an overview).
  const fx = req.window.width / outW;
  const fy = req.window.height / outH;
  const full = ctx.levels[0];
  let best = 0;
  for (let k = 1; k < ctx.levels.length; k++) {
    const lx = full.width / ctx.levels[k].width;
    const ly = full.height / ctx.levels[k].height;
    if (lx <= fx * (1 + 1e-9) && ly <= fy * (1 + 1e-9)) best = k;
  }
  return best;
}

function guardSize(info: RasterInfo, pixels: number, bands: number, what: string): void {
  const bytes = pixels * (bands * bytesPerValue(info.dataType) + 1);
  if (bytes > MAX_READ_BYTES) {
    throw new AbsurdSizeError(
      `Reading ${what} of "${info.path}" would need ${(bytes / 2 ** 30).toFixed(1)} GiB in memory.`,
      'Read it in tiles (satdifuser tiles / the tile grid), or ask for a smaller output size (outWidth/outHeight).',
      { path: info.path, pixels, bands },
    );
  }
}

async function validity(
  ctx: ReadContext, level: Level, win: PixelWindow, data: TypedArray[], alpha: TypedArray | null, signal?: AbortSignal,
): Promise<Uint8Array> {
  const { width: W, height: H } = win;
  const valid = new Uint8Array(W * H);
  const x0 = Math.max(0, -win.x);
  const x1 = Math.min(W, level.width - win.x);
  for (let y = Math.max(0, -win.y), y1 = Math.min(H, level.height - win.y); y < y1; y++) {
    if (x1 > x0) valid.fill(1, y * W + x0, y * W + x1);
  }
  const nodata = ctx.info.nodata;
  if (data.length > 0 && (nodata !== null || isFloat(ctx.info.dataType))) {
    // Band-outer loops: each one runs over a single typed array, which V8 compiles to a tight loop.
    const nodataIsNaN = nodata !== null && Number.isNaN(nodata);
    const nd = nodata === null ? NaN : ctx.info.dataType === 'float32' ? Math.fround(nodata) : nodata;
    // Unified nodata (GDAL's UNIFIED_SRC_NODATA): a pixel is nodata only when every band holds the value.
    const someData = nodata !== null && !nodataIsNaN ? new Uint8Array(valid.length) : null;
    for (const band of data) {
      if (someData) for (let i = 0; i < band.length; i++) if (band[i] !== nd) someData[i] = 1;
      // NaN is never a measurement, whatever the nodata value.
      if (isFloat(ctx.info.dataType)) for (let i = 0; i < band.length; i++) if (band[i] !== band[i]) valid[i] = 0;
    }
    if (someData) for (let i = 0; i < valid.length; i++) valid[i] &= someData[i];
  }
  if (alpha) for (let i = 0; i < valid.length; i++) if (alpha[i] === 0) valid[i] = 0;
  if (level.readMask) {
    const mask = await level.readMask(win, signal);
    if (mask) for (let i = 0; i < valid.length; i++) if (mask[i] === 0) valid[i] = 0;
  }
  return valid;
}

export async function readWindow(ctx: ReadContext, req: ReadRequest): Promise<RasterBlock> {
  const { info } = ctx;
  checkRequest(info, req);
  throwIfCancelled(req.signal, 'Reading the raster');
  const bands = req.bands ? [...req.bands] : Array.from({ length: info.bands }, (_, i) => i);
  const w = req.window;
  let outW = req.outWidth;
  let outH = req.outHeight;
  if (outW !== undefined && outH === undefined) outH = Math.max(1, Math.round((outW * w.height) / w.width));
  if (outH !== undefined && outW === undefined) outW = Math.max(1, Math.round((outH * w.width) / w.height));
  const levelIndex = pickLevel(ctx, req, outW ?? w.width, outH ?? w.height);
  const level = ctx.levels[levelIndex];
  const full = ctx.levels[0];
  const sx = level.width / full.width;
  const sy = level.height / full.height;
  const box = { x: w.x * sx, y: w.y * sy, width: w.width * sx, height: w.height * sy };
  outW ??= levelIndex === 0 ? w.width : Math.max(1, Math.round(box.width));
  outH ??= levelIndex === 0 ? w.height : Math.max(1, Math.round(box.height));
  guardSize(info, outW * outH, bands.length, `a ${outW}×${outH} output`);

  const method = req.resampling ?? 'nearest';
  const margin = method === 'bilinear' ? 1 : 0;
  const eps = 1e-9;
  const rx0 = Math.floor(box.x + eps) - margin;
  const ry0 = Math.floor(box.y + eps) - margin;
  const rx1 = Math.ceil(box.x + box.width - eps) + margin;
  const ry1 = Math.ceil(box.y + box.height - eps) + margin;
  const readWin: PixelWindow = { x: rx0, y: ry0, width: Math.max(1, rx1 - rx0), height: Math.max(1, ry1 - ry0) };
  const distinct = [...new Set(bands)];
  const alphaSample = ctx.alphaSample;
  const samples = alphaSample !== null && !distinct.includes(alphaSample) ? [...distinct, alphaSample] : distinct;
  guardSize(info, readWin.width * readWin.height, samples.length, `a ${readWin.width}×${readWin.height} window`);
  const fill = fillValue(info.dataType, info.nodata);
  const arrays = await level.read(readWin, samples, fill, req.signal);
  const bySample = new Map(samples.map((s, i) => [s, arrays[i]]));
  const data = distinct.map((s) => bySample.get(s)!);
  const alpha = alphaSample !== null ? bySample.get(alphaSample)! : null;
  const valid = await validity(ctx, level, readWin, data, alpha, req.signal);

  const exact = margin === 0 && readWin.x === box.x && readWin.y === box.y && readWin.width === outW && readWin.height === outH &&
    Math.abs(box.width - outW) < eps && Math.abs(box.height - outH) < eps;
  if (exact) return { width: outW, height: outH, dataType: info.dataType, bands: inRequestOrder(bands, bySample), valid };
  const local = { x: box.x - readWin.x, y: box.y - readWin.y, width: box.width, height: box.height };
  const grid = resampleGrid({ width: readWin.width, height: readWin.height, bands: data, valid }, local, outW, outH, method, info.dataType, fill);
  const byBand = new Map(distinct.map((s, i) => [s, grid.bands[i]]));
  return { width: outW, height: outH, dataType: info.dataType, bands: inRequestOrder(bands, byBand), valid: grid.valid };
}

/** The arrays in request order; a band asked for twice gets its own copy, so callers may write to each. */
function inRequestOrder(bands: readonly number[], arrays: ReadonlyMap<number, TypedArray>): TypedArray[] {
  const used = new Set<number>();
  return bands.map((b) => {
    const a = arrays.get(b)!;
    if (used.has(b)) return a.slice();
    used.add(b);
    return a;
  });
}
