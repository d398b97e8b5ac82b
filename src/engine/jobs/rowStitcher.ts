// Blends overlapping tiles' logits into final rows while holding only one row of tiles in memory.
// Tiles arrive row of tiles by row of tiles; after a row of tiles, every output row above the next row of
// tiles has received all its contributions and is emitted (softmax, argmax, nodata) as a strip; the rows
// the next tiles will still touch stay in the band. `bandState`/`restore` carry that partial band through
// the job journal, so a resumed job blends exactly as an uninterrupted one.
import type { PixelWindow } from '../../shared/geometry';
import { BlendBand } from './blendBand';
import type { TileTapers } from './blendWindow';

export const MASK_NODATA = 255;

/** Final output rows of the AOI box: columns box.x … box.x+width-1, rows y … y+height-1. */
export interface Strip {
  readonly y: number;
  readonly height: number;
  readonly x: number;
  readonly width: number;
  /** Class id per pixel, MASK_NODATA where there is no data or the pixel is outside the AOI. */
  readonly mask: Uint8Array;
  /** Softmax probabilities, classes × height × width (0 where the mask is nodata); empty when not asked for. */
  readonly probabilities: Float32Array;
}

export interface StitcherOptions {
  readonly box: PixelWindow;
  readonly classes: number;
  readonly tileSize: number;
  /** 1 where a pixel of the window is inside the AOI (undefined: the whole box is). */
  readonly aoiMask?: (window: PixelWindow) => Uint8Array;
  /** False: strips carry the mask only (no softmax), for jobs that write no probabilities. Default true. */
  readonly probabilities?: boolean;
  /** false: blend with the JavaScript loops instead of WebAssembly SIMD (tests; the two give the same bits). */
  readonly wasm?: boolean;
}

export class RowStitcher {
  private bandTop: number;
  /** Rows from bandTop that hold contributions. */
  private filled = 0;
  private readonly band: BlendBand;
  private readonly acc: Float32Array;
  private readonly wsum: Float32Array;
  private readonly valid: Uint8Array;
  private readonly W: number;
  private readonly H: number;

  constructor(private readonly o: StitcherOptions) {
    this.W = o.box.width;
    this.H = o.tileSize;
    this.bandTop = o.box.y;
    this.band = new BlendBand({ classes: o.classes, height: this.H, width: this.W, tileSize: o.tileSize, wasm: o.wasm });
    this.acc = this.band.acc;
    this.wsum = this.band.wsum;
    this.valid = this.band.valid;
  }

  get top(): number {
    return this.bandTop;
  }

  /** Back to the state of a new stitcher: an empty band at the top of the box. */
  reset(): void {
    this.acc.fill(0);
    this.wsum.fill(0);
    this.valid.fill(0);
    this.bandTop = this.o.box.y;
    this.filled = 0;
  }

  /** Hands the band's memory to the next job's stitcher; this one must not be used afterwards. */
  release(): void {
    this.band.release();
  }

  /** Adds one tile's logits (classes × size × size) with its taper window; `valid` is the tile's source mask. */
  addTile(window: PixelWindow, logits: Float32Array, valid: Uint8Array, tapers: TileTapers): void {
    const { box } = this.o;
    const x0 = Math.max(window.x, box.x);
    const x1 = Math.min(window.x + window.width, box.x + box.width);
    const y0 = Math.max(window.y, box.y);
    const y1 = Math.min(window.y + window.height, box.y + box.height);
    if (y0 < this.bandTop || y1 > this.bandTop + this.H) throw new RangeError(`tile rows ${y0}..${y1} outside the open band ${this.bandTop}..${this.bandTop + this.H}`);
    if (x1 <= x0) return;
    this.band.addTile({ window, bandRow: y0 - this.bandTop, bandCol: x0 - box.x, tileRow: y0 - window.y, tileCol: x0 - window.x, rows: y1 - y0, cols: x1 - x0 }, logits, valid, tapers);
    this.filled = Math.max(this.filled, y1 - this.bandTop);
  }

  /** Emits rows [top, yEnd) as a strip and moves the band down to start at yEnd. */
  finalizeUpTo(yEnd: number): Strip | null {
    const n = Math.min(yEnd, this.o.box.y + this.o.box.height) - this.bandTop;
    if (n <= 0) return null;
    if (n > this.H) throw new RangeError(`cannot finalise ${n} rows from a band of ${this.H}`);
    const { box, classes } = this.o;
    const W = this.W;
    const plane = this.H * W;
    const window = { x: box.x, y: this.bandTop, width: W, height: n };
    const aoi = this.o.aoiMask?.(window);
    const withProbs = this.o.probabilities ?? true;
    if (!withProbs) {
      const mask = this.band.argmaxMask(n * W, MASK_NODATA);
      if (aoi) for (let i = 0; i < n * W; i++) if (!aoi[i]) mask[i] = MASK_NODATA;
      this.shift(n);
      return { y: window.y, height: n, x: box.x, width: W, mask, probabilities: new Float32Array(0) };
    }
    const mask = new Uint8Array(n * W).fill(MASK_NODATA);
    const probs = new Float32Array(classes * n * W);
    const oplane = n * W;
    const z = new Float64Array(classes);
    for (let i = 0; i < n * W; i++) {
      const s = this.wsum[i];
      if (!(s > 0) || !this.valid[i] || (aoi && !aoi[i])) continue;
      let best = 0;
      let max = -Infinity;
      for (let c = 0; c < classes; c++) {
        z[c] = this.acc[c * plane + i] / s;
        if (z[c] > max) {
          max = z[c];
          best = c;
        }
      }
      let sum = 0;
      for (let c = 0; c < classes; c++) sum += z[c] = Math.exp(z[c] - max);
      for (let c = 0; c < classes; c++) probs[c * oplane + i] = z[c] / sum;
      mask[i] = best;
    }
    this.shift(n);
    return { y: window.y, height: n, x: box.x, width: W, mask, probabilities: probs };
  }

  /** The partial band (rows that hold contributions) as bytes, for the journal. */
  bandState(): Uint8Array {
    const { classes } = this.o;
    const W = this.W;
    const rows = this.filled;
    const header = new Int32Array([this.bandTop, rows, W, classes]);
    const out = new Uint8Array(16 + rows * W * (4 * classes + 4 + 1));
    out.set(new Uint8Array(header.buffer), 0);
    let off = 16;
    const plane = this.H * W;
    for (let c = 0; c < classes; c++) {
      out.set(new Uint8Array(this.acc.buffer, this.acc.byteOffset + c * plane * 4, rows * W * 4), off);
      off += rows * W * 4;
    }
    out.set(new Uint8Array(this.wsum.buffer, this.wsum.byteOffset, rows * W * 4), off);
    off += rows * W * 4;
    out.set(this.valid.subarray(0, rows * W), off);
    return out;
  }

  restore(state: Uint8Array): void {
    const { classes } = this.o;
    const W = this.W;
    const copy = new Uint8Array(state); // aligned
    const [top, rows, w, c] = new Int32Array(copy.buffer, 0, 4);
    if (w !== W || c !== classes || rows > this.H || copy.length !== 16 + rows * W * (4 * classes + 5)) throw new RangeError('band state does not match this job');
    this.acc.fill(0);
    this.wsum.fill(0);
    this.valid.fill(0);
    const plane = this.H * W;
    let off = 16;
    for (let k = 0; k < classes; k++) {
      this.acc.set(new Float32Array(copy.buffer, off, rows * W), k * plane);
      off += rows * W * 4;
    }
    this.wsum.set(new Float32Array(copy.buffer, off, rows * W));
    off += rows * W * 4;
    this.valid.set(copy.subarray(off, off + rows * W));
    this.bandTop = top;
    this.filled = rows;
  }

  private shift(n: number): void {
    const W = this.W;
    const plane = this.H * W;
    const keep = (this.H - n) * W;
    for (let c = 0; c < this.o.classes; c++) {
      const base = c * plane;
      this.acc.copyWithin(base, base + n * W, base + plane);
      this.acc.fill(0, base + keep, base + plane);
    }
    this.wsum.copyWithin(0, n * W, plane);
    this.wsum.fill(0, keep);
    this.valid.copyWithin(0, n * W, plane);
    this.valid.fill(0, keep);
    this.bandTop += n;
    this.filled = Math.max(0, this.filled - n);
  }
}
