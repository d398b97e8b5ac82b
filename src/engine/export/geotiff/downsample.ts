// 2× reduction of one tile into a quadrant of its parent overview tile. Kernels follow GDAL's overview
// resampling for an exact factor of 2: nearest takes the top-left pixel of each 2×2 block, average is
// the mean of the valid pixels (nodata and NaN skipped; integers rounded half away from zero, as GDAL
// does: 2.5 → 3, -66.5 → -67), mode the most
// frequent valid value (on a tie, the value that reached the top count first in row order).
import type { SampleArray } from './sample-type';

export type Resampling = 'nearest' | 'average' | 'mode';

export interface ReduceParams {
  readonly tileSize: number;
  /** Valid columns and rows of the source tile (smaller than tileSize on the right and bottom edges). */
  readonly validWidth: number;
  readonly validHeight: number;
  /** Top-left of the destination block in the parent tile. */
  readonly dstX: number;
  readonly dstY: number;
  readonly nodata: number | null;
  readonly isFloat: boolean;
}

export function reduceTile(method: Resampling, src: SampleArray, dst: SampleArray, p: ReduceParams): void {
  if (method === 'nearest') nearest(src, dst, p);
  else if (method === 'average') average(src, dst, p);
  else mode(src, dst, p);
}

const roundHalfAway = (x: number): number => (x < 0 ? -Math.floor(0.5 - x) : Math.floor(x + 0.5));

function nearest(src: SampleArray, dst: SampleArray, p: ReduceParams): void {
  const T = p.tileSize;
  const ow = Math.ceil(p.validWidth / 2);
  const oh = Math.ceil(p.validHeight / 2);
  for (let j = 0; j < oh; j++) {
    const s = 2 * j * T;
    const d = (p.dstY + j) * T + p.dstX;
    for (let i = 0; i < ow; i++) dst[d + i] = src[s + 2 * i];
  }
}

function average(src: SampleArray, dst: SampleArray, p: ReduceParams): void {
  const T = p.tileSize;
  const { validWidth: vw, validHeight: vh, isFloat } = p;
  const hasNodata = p.nodata !== null;
  const nd = p.nodata ?? 0;
  const ndIsNaN = Number.isNaN(nd);
  const ow = Math.ceil(vw / 2);
  const oh = Math.ceil(vh / 2);
  // Fast path: integer data without nodata, interior 2×2 blocks; the edges go through the general loop.
  const fastW = !hasNodata && !isFloat ? Math.floor(vw / 2) : 0;
  for (let j = 0; j < oh; j++) {
    const r0 = 2 * j * T;
    const twoRows = 2 * j + 1 < vh;
    const r1 = twoRows ? r0 + T : -1;
    const d = (p.dstY + j) * T + p.dstX;
    let i = 0;
    if (twoRows) {
      for (; i < fastW; i++) {
        const c = r0 + 2 * i;
        dst[d + i] = roundHalfAway((src[c] + src[c + 1] + src[c + T] + src[c + T + 1]) / 4);
      }
    }
    for (; i < ow; i++) {
      let sum = 0;
      let n = 0;
      const c0 = 2 * i;
      const twoCols = c0 + 1 < vw;
      for (let k = 0; k < 4; k++) {
        const dx = k & 1;
        const row = k < 2 ? r0 : r1;
        if (row < 0 || (dx === 1 && !twoCols)) continue;
        const v = src[row + c0 + dx];
        if (isFloat && Number.isNaN(v)) continue;
        if (hasNodata && (ndIsNaN ? Number.isNaN(v) : v === nd)) continue;
        sum += v;
        n++;
      }
      if (n === 0) dst[d + i] = hasNodata ? nd : NaN;
      else dst[d + i] = isFloat ? sum / n : roundHalfAway(sum / n);
    }
  }
}

function mode(src: SampleArray, dst: SampleArray, p: ReduceParams): void {
  const T = p.tileSize;
  const { validWidth: vw, validHeight: vh } = p;
  const hasNodata = p.nodata !== null;
  const nd = p.nodata ?? 0;
  const ndIsNaN = Number.isNaN(nd);
  const ow = Math.ceil(vw / 2);
  const oh = Math.ceil(vh / 2);
  const vals = [0, 0, 0, 0];
  const counts = [0, 0, 0, 0];
  for (let j = 0; j < oh; j++) {
    const r0 = 2 * j * T;
    const twoRows = 2 * j + 1 < vh;
    const d = (p.dstY + j) * T + p.dstX;
    for (let i = 0; i < ow; i++) {
      const c0 = 2 * i;
      const twoCols = c0 + 1 < vw;
      let distinct = 0;
      let best = -1;
      let bestCount = 0;
      for (let k = 0; k < 4; k++) {
        const dx = k & 1;
        if ((k >= 2 && !twoRows) || (dx === 1 && !twoCols)) continue;
        const v = src[r0 + (k >= 2 ? T : 0) + c0 + dx];
        if (Number.isNaN(v) || (hasNodata && !ndIsNaN && v === nd)) continue;
        let slot = 0;
        while (slot < distinct && vals[slot] !== v) slot++;
        if (slot === distinct) { vals[slot] = v; counts[slot] = 0; distinct++; }
        counts[slot]++;
        if (counts[slot] > bestCount) { bestCount = counts[slot]; best = slot; }
      }
      dst[d + i] = best < 0 ? (hasNodata ? nd : NaN) : vals[best];
    }
  }
}
