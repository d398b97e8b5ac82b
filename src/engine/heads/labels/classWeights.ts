// Class-balanced loss weights from the training pixels. Median-frequency balancing (Eigen & Fergus 2015):
// w_c = median(f) / f_c over the classes present, so a typical class weighs about 1 and a class ten times rarer
// about 10. Clamped to [MIN, MAX] so a class with a handful of pixels cannot dominate the loss; classes with no
// training pixels get weight 0 (they contribute nothing anyway, and 0 says so in the card).
import { IGNORE_INDEX } from '../metrics';

export const MIN_CLASS_WEIGHT = 0.05;
export const MAX_CLASS_WEIGHT = 20;

/** Pixels per class (ignore index skipped); values ≥ numClasses are counted in `outOfRange`. */
export function classHistogram(labels: ArrayLike<number>, numClasses: number, into = new Float64Array(numClasses)): { counts: Float64Array; outOfRange: number } {
  let outOfRange = 0;
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i]!;
    if (v === IGNORE_INDEX) continue;
    if (v < numClasses) into[v]!++;
    else outOfRange++;
  }
  return { counts: into, outOfRange };
}

export function medianFrequencyWeights(counts: ArrayLike<number>): Float32Array {
  const n = counts.length;
  let total = 0;
  for (let c = 0; c < n; c++) total += counts[c]!;
  const w = new Float32Array(n);
  const freqs: number[] = [];
  for (let c = 0; c < n; c++) if (counts[c]! > 0) freqs.push(counts[c]! / total);
  if (freqs.length === 0) return w;
  freqs.sort((a, b) => a - b);
  const m = freqs.length;
  const median = m % 2 ? freqs[(m - 1) / 2]! : (freqs[m / 2 - 1]! + freqs[m / 2]!) / 2;
  for (let c = 0; c < n; c++) {
    if (counts[c]! === 0) continue;
    w[c] = Math.min(MAX_CLASS_WEIGHT, Math.max(MIN_CLASS_WEIGHT, median / (counts[c]! / total)));
  }
  return w;
}
