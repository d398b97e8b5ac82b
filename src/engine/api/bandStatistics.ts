// Per-band statistics for the display stretch, computed from one bounded read (an overview or a resampled
// window) so opening a huge raster never reads every pixel. Percentiles are exact over the sampled pixels.
import type { BandStatistics } from '../../shared/contract';

type Numeric = ArrayLike<number>;

function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  // Linear interpolation between closest ranks (numpy's default), so tests can compare with numpy.percentile.
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export function bandStatistics(band: number, values: Numeric, valid: Uint8Array): BandStatistics {
  let n = 0;
  for (let i = 0; i < valid.length; i++) if (valid[i]) n++;
  const v = new Float64Array(n);
  let k = 0;
  let sum = 0;
  for (let i = 0; i < valid.length; i++) {
    if (!valid[i]) continue;
    const x = values[i]!;
    if (Number.isNaN(x)) continue;
    v[k++] = x;
    sum += x;
  }
  const used = v.subarray(0, k).sort();
  const mean = k ? sum / k : NaN;
  let ss = 0;
  for (let i = 0; i < k; i++) ss += (used[i]! - mean) ** 2;
  return {
    band,
    min: k ? used[0]! : NaN,
    max: k ? used[k - 1]! : NaN,
    mean,
    stdDev: k ? Math.sqrt(ss / k) : NaN,
    p2: quantile(used, 0.02),
    p98: quantile(used, 0.98),
    validCount: k,
  };
}
