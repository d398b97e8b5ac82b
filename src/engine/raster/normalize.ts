// Per-band normalisation to [0, 1] for the models: a fixed range, or a percentile stretch whose percentiles are
// computed from a bounded sample (the finest overview small enough, else a spread of full-resolution windows):
// never from a full read of a large raster.
import { InvalidArgumentError, throwIfCancelled } from '../../shared/errors';
import type { RasterBlock, RasterSource } from './source';

export interface BandRange {
  readonly low: number;
  readonly high: number;
}

export interface PercentileStretch {
  readonly bands: readonly number[];
  readonly ranges: readonly BandRange[];
  /** Valid pixels the percentiles were computed from. */
  readonly sampledPixels: number;
  /** e.g. "overview 3 (44×44)" or "16 windows of 256×256 at full resolution". */
  readonly sampledFrom: string;
}

export interface PercentileOptions {
  readonly bands?: readonly number[];
  /** Percentiles in [0, 100]; default 2 and 98. */
  readonly lower?: number;
  readonly upper?: number;
  /** Upper bound on pixels read (default 1,048,576). */
  readonly maxSamplePixels?: number;
  readonly signal?: AbortSignal;
}

/** The same [low, high] for every band, or one pair per band. */
export function fixedRanges(low: number | readonly number[], high: number | readonly number[], bands: number): BandRange[] {
  return Array.from({ length: bands }, (_, b) => {
    const lo = typeof low === 'number' ? low : low[b];
    const hi = typeof high === 'number' ? high : high[b];
    if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(hi > lo)) {
      throw new InvalidArgumentError(`Invalid normalisation range for band ${b}: [${lo}, ${hi}] (need low < high).`);
    }
    return { low: lo, high: hi };
  });
}

/** Percentile p (0–100) of sorted values, interpolating linearly between order statistics (numpy's default). */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = (p / 100) * (n - 1);
  const i = Math.floor(pos);
  const f = pos - i;
  return i + 1 < n ? sorted[i] + f * (sorted[i + 1] - sorted[i]) : sorted[n - 1];
}

function sampleGrid(width: number, height: number, budget: number): { x: number; y: number; width: number; height: number }[] {
  const s = Math.min(256, width, height);
  const perWindow = s * s;
  const n = Math.max(1, Math.floor(budget / perWindow));
  const g = Math.max(1, Math.floor(Math.sqrt(n)));
  const out = [];
  for (let j = 0; j < g; j++) {
    for (let i = 0; i < g; i++) {
      const cx = Math.round(((i + 0.5) / g) * width);
      const cy = Math.round(((j + 0.5) / g) * height);
      out.push({ x: Math.min(width - s, Math.max(0, cx - s / 2)) | 0, y: Math.min(height - s, Math.max(0, cy - s / 2)) | 0, width: s, height: s });
    }
  }
  return out;
}

export async function percentileStretch(src: RasterSource, opts: PercentileOptions = {}): Promise<PercentileStretch> {
  const info = src.info;
  const bands = opts.bands ? [...opts.bands] : Array.from({ length: info.bands }, (_, i) => i);
  const lower = opts.lower ?? 2;
  const upper = opts.upper ?? 98;
  if (!(lower >= 0 && upper <= 100 && lower < upper)) throw new InvalidArgumentError(`Invalid percentiles ${lower}–${upper}: need 0 ≤ lower < upper ≤ 100.`);
  const budget = Math.max(1024, opts.maxSamplePixels ?? 1 << 20);
  const full = { x: 0, y: 0, width: info.width, height: info.height };
  let blocks: RasterBlock[];
  let sampledFrom: string;
  const fits = (w: number, h: number): boolean => w * h <= budget;
  if (fits(info.width, info.height)) {
    blocks = [await src.read({ window: full, bands, overview: 0, signal: opts.signal })];
    sampledFrom = `full resolution (${info.width}×${info.height})`;
  } else {
    const k = info.overviews.findIndex((o) => fits(o.width, o.height));
    if (k >= 0) {
      const o = info.overviews[k];
      blocks = [await src.read({ window: full, bands, overview: k + 1, signal: opts.signal })];
      sampledFrom = `overview ${k + 1} (${o.width}×${o.height})`;
    } else {
      const windows = sampleGrid(info.width, info.height, budget);
      blocks = [];
      for (const w of windows) {
        throwIfCancelled(opts.signal, 'Computing the percentile stretch');
        blocks.push(await src.read({ window: w, bands, overview: 0, signal: opts.signal }));
      }
      sampledFrom = `${windows.length} windows of ${windows[0].width}×${windows[0].height} at full resolution`;
    }
  }
  let sampledPixels = 0;
  for (const b of blocks) for (let i = 0; i < b.valid.length; i++) sampledPixels += b.valid[i];
  const ranges = bands.map((_, bi) => {
    const values = new Float64Array(sampledPixels);
    let n = 0;
    for (const b of blocks) {
      const arr = b.bands[bi];
      for (let i = 0; i < b.valid.length; i++) if (b.valid[i]) values[n++] = arr[i];
    }
    values.sort();
    const low = percentileOfSorted(values, lower);
    const high = percentileOfSorted(values, upper);
    return { low, high };
  });
  return { bands, ranges, sampledPixels, sampledFrom };
}

/**
 * (v − low) / (high − low) per band, clamped to [0, 1] unless `clamp` is false; invalid pixels become 0.
 * A band whose range is empty (high ≤ low, e.g. a constant band) maps to 0.
 */
export function normalizeBlock(block: RasterBlock, ranges: readonly BandRange[], clamp = true): Float32Array[] {
  if (ranges.length !== block.bands.length) {
    throw new InvalidArgumentError(`${ranges.length} normalisation ranges for ${block.bands.length} bands.`);
  }
  return block.bands.map((band, b) => {
    const { low, high } = ranges[b];
    const scale = high > low ? 1 / (high - low) : 0;
    const out = new Float32Array(band.length);
    for (let i = 0; i < band.length; i++) {
      if (!block.valid[i]) continue;
      let v = (band[i] - low) * scale;
      if (clamp) v = v < 0 ? 0 : v > 1 ? 1 : v;
      out[i] = v;
    }
    return out;
  });
}
