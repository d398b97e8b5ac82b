// Holdout split of labelled pixels BY UNIT (a drawn polygon, a block of a label raster, a whole raster), never by
// pixel: neighbouring pixels of one polygon are near-duplicates, and scoring on them measures memory, not skill.
//
// - Units closer than `bufferPx` to each other are grouped (union-find) and a group goes to one side as a whole,
//   so two touching polygons cannot end up on opposite sides.
// - Groups are drawn per class (the group's majority class), seeded, so every class with ≥ 2 groups is scored.
// - Training pixels within `bufferPx` of a holdout pixel become "ignore": the model never trains right next to
//   what it is scored on (this is what separates blocks of a label raster, which touch by construction).
// Distances are chessboard distances (8-connected steps), which never exceed the Euclidean ones, so grouping and
// the buffer are conservative.
import { AbsurdSizeError, InvalidArgumentError } from '../../../shared/errors';
import { IGNORE_INDEX } from '../metrics';
import { createRng, shuffleInPlace } from '../random';

export interface HoldoutOptions {
  /** Share of units (per class) held out; default 0.2. */
  readonly fraction?: number;
  /** Pixels of separation between training and holdout pixels; default 8. */
  readonly bufferPx?: number;
  readonly seed?: number;
  /** Group units closer than bufferPx (polygons: yes; blocks, which touch by construction: no). Default true. */
  readonly groupNearby?: boolean;
}

export interface HoldoutSplit {
  /** Class ids for training; holdout pixels and the buffer around them are IGNORE_INDEX. */
  readonly train: Uint8Array;
  /** Class ids of the held-out units only. */
  readonly holdout: Uint8Array;
  readonly holdoutUnits: ReadonlySet<number>;
  readonly groups: number;
  /** Training pixels dropped because they lay within the buffer of a holdout pixel. */
  readonly bufferedOut: number;
  /** Classes that had a single group and therefore stay in training only (not scored). */
  readonly unscoredClasses: number[];
}

const MAX_PIXELS = 400e6;

/**
 * `labels`: class ids (IGNORE_INDEX = unlabelled) on a width×height grid; `unitOf`: the unit index of each
 * labelled pixel (-1 for unlabelled pixels).
 */
export function splitHoldout(labels: Uint8Array, unitOf: Int32Array, width: number, height: number, numClasses: number, opts: HoldoutOptions = {}): HoldoutSplit {
  const fraction = opts.fraction ?? 0.2;
  const buffer = Math.max(0, Math.round(opts.bufferPx ?? 8));
  if (!(fraction > 0 && fraction < 1)) throw new InvalidArgumentError(`The holdout fraction must be between 0 and 1 (exclusive), got ${fraction}.`, 'The default is 0.2 (20 % of the labelled polygons).');
  if (labels.length !== width * height || unitOf.length !== labels.length) throw new InvalidArgumentError('Label and unit rasters must both be width×height.');
  if (labels.length > MAX_PIXELS) throw new AbsurdSizeError(`Labels span ${labels.length} pixels; the holdout split handles up to ${MAX_PIXELS / 1e6} M.`, 'Label a smaller area or split the raster into several dataset entries.');

  let units = 0;
  for (let i = 0; i < unitOf.length; i++) if (unitOf[i]! + 1 > units) units = unitOf[i]! + 1;
  const parent = Int32Array.from({ length: units }, (_, i) => i);
  const find = (a: number): number => {
    while (parent[a] !== a) {
      parent[a] = parent[parent[a]!]!;
      a = parent[a]!;
    }
    return a;
  };
  const union = (a: number, b: number) => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  };
  if (opts.groupNearby ?? true) groupByDistance(unitOf, width, height, buffer, union);

  // majority class of each group
  const votes = new Map<number, Float64Array>();
  for (let i = 0; i < labels.length; i++) {
    const u = unitOf[i]!;
    const c = labels[i]!;
    if (u < 0 || c === IGNORE_INDEX || c >= numClasses) continue;
    const g = find(u);
    let v = votes.get(g);
    if (!v) votes.set(g, (v = new Float64Array(numClasses)));
    v[c]!++;
  }
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  for (const [g, v] of [...votes.entries()].sort((a, b) => a[0] - b[0])) {
    let best = 0;
    for (let c = 1; c < numClasses; c++) if (v[c]! > v[best]!) best = c;
    byClass[best]!.push(g);
  }
  const rng = createRng(opts.seed ?? 0);
  const heldGroups = new Set<number>();
  const unscoredClasses: number[] = [];
  byClass.forEach((groups, c) => {
    if (groups.length === 1) unscoredClasses.push(c);
    if (groups.length < 2) return;
    const k = Math.min(groups.length - 1, Math.max(1, Math.round(fraction * groups.length)));
    for (const g of shuffleInPlace([...groups], rng).slice(0, k)) heldGroups.add(g);
  });

  const train = new Uint8Array(labels.length).fill(IGNORE_INDEX);
  const holdout = new Uint8Array(labels.length).fill(IGNORE_INDEX);
  const holdoutUnits = new Set<number>();
  for (let u = 0; u < units; u++) if (heldGroups.has(find(u))) holdoutUnits.add(u);
  for (let i = 0; i < labels.length; i++) {
    const u = unitOf[i]!;
    if (u < 0) continue;
    if (holdoutUnits.has(u)) holdout[i] = labels[i]!;
    else train[i] = labels[i]!;
  }
  const bufferedOut = buffer > 0 ? clearNear(holdout, train, width, height, buffer) : 0;
  return { train, holdout, holdoutUnits, groups: votes.size, bufferedOut, unscoredClasses };
}

/** Bounding box of the pixels where `has(i)`, grown by `pad` and clipped; null when there are none. */
function bbox(n: number, width: number, height: number, has: (i: number) => boolean, pad: number) {
  let x0 = width, y0 = height, x1 = -1, y1 = -1;
  for (let i = 0; i < n; i++) {
    if (!has(i)) continue;
    const x = i % width;
    const y = (i - x) / width;
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  if (x1 < 0) return null;
  return { x0: Math.max(0, x0 - pad), y0: Math.max(0, y0 - pad), x1: Math.min(width - 1, x1 + pad), y1: Math.min(height - 1, y1 + pad) };
}

/**
 * Multi-source BFS from every unit pixel up to radius ceil(buffer/2), remembering the first unit to arrive; two
 * neighbouring pixels owned by different units with d(p) + d(q) + 1 ≤ buffer prove those units are within
 * `buffer`, and every such pair is found this way (along a shortest path the owners change somewhere, and there
 * the two distances sum to at most the path length).
 */
function groupByDistance(unitOf: Int32Array, width: number, height: number, buffer: number, union: (a: number, b: number) => void): void {
  const box = bbox(unitOf.length, width, height, (i) => unitOf[i]! >= 0, 1);
  if (!box) return;
  const w = box.x1 - box.x0 + 1;
  const h = box.y1 - box.y0 + 1;
  const owner = new Int32Array(w * h).fill(-1);
  const dist = new Uint16Array(w * h);
  const queue = new Int32Array(w * h);
  let head = 0, tail = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const u = unitOf[(y + box.y0) * width + x + box.x0]!;
      if (u < 0) continue;
      owner[y * w + x] = u;
      queue[tail++] = y * w + x;
    }
  }
  const radius = Math.ceil(buffer / 2);
  while (head < tail) {
    const p = queue[head++]!;
    if (dist[p]! >= radius) continue;
    const px = p % w;
    const py = (p - px) / w;
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        const x = px + dx, y = py + dy;
        if ((dx === 0 && dy === 0) || x < 0 || y < 0 || x >= w || y >= h) continue;
        const q = y * w + x;
        if (owner[q]! >= 0) continue;
        owner[q] = owner[p]!;
        dist[q] = dist[p]! + 1;
        queue[tail++] = q;
      }
    }
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = y * w + x;
      const a = owner[p]!;
      if (a < 0) continue;
      // half of the 8 neighbours: each unordered pair once
      for (const [dx, dy] of [[1, 0], [0, 1], [1, 1], [-1, 1]] as const) {
        const qx = x + dx, qy = y + dy;
        if (qx < 0 || qy >= h || qx >= w) continue;
        const q = qy * w + qx;
        const b = owner[q]!;
        if (b < 0 || b === a) continue;
        // touching pixels of two units (both at distance 0) are 1 step apart
        if (dist[p]! + dist[q]! + 1 <= Math.max(buffer, 1)) union(a, b);
      }
    }
  }
}

/** Sets to IGNORE_INDEX every labelled pixel of `target` within `buffer` steps of a labelled pixel of `source`. */
function clearNear(source: Uint8Array, target: Uint8Array, width: number, height: number, buffer: number): number {
  const box = bbox(source.length, width, height, (i) => source[i] !== IGNORE_INDEX, buffer);
  if (!box) return 0;
  const w = box.x1 - box.x0 + 1;
  const h = box.y1 - box.y0 + 1;
  const dist = new Int32Array(w * h).fill(-1);
  const queue = new Int32Array(w * h);
  let head = 0, tail = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (source[(y + box.y0) * width + x + box.x0] === IGNORE_INDEX) continue;
      dist[y * w + x] = 0;
      queue[tail++] = y * w + x;
    }
  }
  let cleared = 0;
  while (head < tail) {
    const p = queue[head++]!;
    const px = p % w;
    const py = (p - px) / w;
    const gi = (py + box.y0) * width + px + box.x0;
    if (dist[p]! > 0 && target[gi] !== IGNORE_INDEX) {
      target[gi] = IGNORE_INDEX;
      cleared++;
    }
    if (dist[p]! >= buffer) continue;
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        const x = px + dx, y = py + dy;
        if (x < 0 || y < 0 || x >= w || y >= h) continue;
        const q = y * w + x;
        if (dist[q]! >= 0) continue;
        dist[q] = dist[p]! + 1;
        queue[tail++] = q;
      }
    }
  }
  return cleared;
}

/** Units for a dense label raster: square blocks of `block` pixels (unit = block index) over the labelled pixels. */
export function blockUnits(labels: Uint8Array, width: number, height: number, block: number): Int32Array {
  const cols = Math.ceil(width / block);
  const unitOf = new Int32Array(labels.length).fill(-1);
  for (let y = 0; y < height; y++) {
    const by = Math.floor(y / block);
    for (let x = 0; x < width; x++) {
      if (labels[y * width + x] === IGNORE_INDEX) continue;
      unitOf[y * width + x] = by * cols + Math.floor(x / block);
    }
  }
  return unitOf;
}
