// Windows of a class-id raster that one class dominates: the honest way to derive a scene-classification set from
// segmentation masks (each window's label is what most of it shows, and impure windows are left out, not guessed).
import { InvalidArgumentError } from '../../../shared/errors';
import { IGNORE_INDEX } from '../metrics';
import { type Rng, shuffleInPlace } from '../random';

export interface PurePatch {
  readonly x: number;
  readonly y: number;
  readonly size: number;
  readonly classId: number;
  /** Share of the window's pixels (ignored ones included in the denominator) that carry classId. */
  readonly purity: number;
}

/** Non-overlapping size×size windows on a stride-`size` grid whose dominant class covers ≥ minPurity of the window. */
export function purePatches(labels: Uint8Array, width: number, height: number, size: number, minPurity: number, numClasses: number): PurePatch[] {
  if (labels.length !== width * height) throw new InvalidArgumentError(`Label buffer holds ${labels.length} pixels, not ${width}×${height}.`);
  if (!(size >= 1 && minPurity > 0.5 && minPurity <= 1)) throw new InvalidArgumentError('Patch size must be ≥ 1 and purity in (0.5, 1].', 'A purity above one half makes the dominant class unique.');
  const out: PurePatch[] = [];
  const hist = new Float64Array(256);
  for (let y = 0; y + size <= height; y += size) {
    for (let x = 0; x + size <= width; x += size) {
      hist.fill(0);
      for (let r = y; r < y + size; r++) {
        const row = r * width;
        for (let c = x; c < x + size; c++) hist[labels[row + c]!]!++;
      }
      let best = -1;
      for (let k = 0; k < numClasses; k++) if (best < 0 || hist[k]! > hist[best]!) best = k;
      const purity = hist[best]! / (size * size);
      if (best >= 0 && best !== IGNORE_INDEX && purity >= minPurity) out.push({ x, y, size, classId: best, purity });
    }
  }
  return out;
}

/** Keeps at most `cap` items per class, chosen uniformly at random (seeded); the order of the result is stable. */
export function capPerClass<T extends { classId: number }>(items: readonly T[], cap: number, rng: Rng): T[] {
  const byClass = new Map<number, number[]>();
  items.forEach((it, i) => {
    const list = byClass.get(it.classId) ?? [];
    list.push(i);
    byClass.set(it.classId, list);
  });
  const keep = new Set<number>();
  for (const cls of [...byClass.keys()].sort((a, b) => a - b)) {
    for (const i of shuffleInPlace(byClass.get(cls)!, rng).slice(0, cap)) keep.add(i);
  }
  return items.filter((_, i) => keep.has(i));
}
