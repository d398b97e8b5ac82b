// The blend band's memory and the loop that adds a tile's weighted logits into it (RowStitcher.addTile).
// A warm segmentation spends a fifth of its time in that loop, so it runs as WebAssembly SIMD
// (wasm/blendBand.wat) over a band that lives in WebAssembly memory; the JavaScript loops below are the
// same computation, bit for bit, used where WebAssembly SIMD is unavailable and as the reference the SIMD
// code is tested against.
import type { PixelWindow } from '../../shared/geometry';
import type { TileTapers } from './blendWindow';
import { compileSimd, instantiate, type WasmMemory } from '../wasm/simd';
import { BlendBandWasm } from './blendBandWasm';

interface KernelExports {
  addTile(tx: number, ty: number, vt: number, logits: number, wrow: number, acc: number, wsum: number, vb: number, W: number, plane: number, T: number, tplane: number, classes: number, bandRow: number, bandCol: number, tileRow: number, tileCol: number, rows: number, cols: number): void;
  argmaxMask(acc: number, wsum: number, vb: number, plane: number, count: number, classes: number, out: number): void;
}

let compiled: object | null | undefined;
const wasmModule = (): object | null => (compiled === undefined ? (compiled = compileSimd(BlendBandWasm)) : compiled);

const align16 = (n: number) => (n + 15) & ~15;

// Band memories of finished jobs, kept for the next job: a fresh WebAssembly memory is mapped and faulted in
// page by page as the band first fills, which cost a warm run of the sample as much as the blending itself.
interface Lease {
  readonly exports: KernelExports;
  readonly memory: WasmMemory;
}
const idle: Lease[] = [];
// Kept between jobs at most: a band of 5 classes over a box ~50 000 pixels wide.
const KEEP_BYTES = 256 * 1024 ** 2;

function takeMemory(module: object, bytes: number): (Lease & { recycled: boolean }) | null {
  // The smallest idle memory that fits, unless it is more than 4× too large (then a right-sized one).
  let best = -1;
  for (let i = 0; i < idle.length; i++) {
    const size = idle[i].memory.buffer.byteLength;
    if (size >= bytes && size <= 4 * bytes + 65536 && (best < 0 || size < idle[best].memory.buffer.byteLength)) best = i;
  }
  if (best >= 0) return { ...idle.splice(best, 1)[0], recycled: true };
  const got = instantiate<KernelExports>(module, bytes);
  return got ? { ...got, recycled: false } : null;
}

function giveBack(lease: Lease): void {
  const kept = idle.reduce((n, l) => n + l.memory.buffer.byteLength, 0);
  if (kept + lease.memory.buffer.byteLength <= KEEP_BYTES) idle.push(lease);
}

export interface BlendBandOptions {
  readonly classes: number;
  /** Rows of the band (the tile size). */
  readonly height: number;
  /** Columns of the band (the AOI box's width). */
  readonly width: number;
  /** Largest tile side added (its logits, mask and taper are staged in the same memory). */
  readonly tileSize: number;
  /** false: the JavaScript loops (tests; runtimes without WebAssembly SIMD). Default: SIMD when available. */
  readonly wasm?: boolean;
}

/** Where a tile lands in the band: rows [y0, y1) and columns [x0, x0 + n) of the band, from (ty0, tx0) of the tile. */
export interface TilePlacement {
  readonly window: PixelWindow;
  /** First band row the tile covers, relative to the band's top. */
  readonly bandRow: number;
  /** First band column (relative to the box's left edge). */
  readonly bandCol: number;
  /** First tile row and column that fall inside the box. */
  readonly tileRow: number;
  readonly tileCol: number;
  readonly rows: number;
  readonly cols: number;
}

export class BlendBand {
  /** classes × height × width sums of weighted logits. */
  readonly acc: Float32Array;
  /** height × width sums of weights. */
  readonly wsum: Float32Array;
  /** height × width, 1 where some tile had data. */
  readonly valid: Uint8Array;
  private readonly exports: KernelExports | null;
  private readonly staged: { logits: Float32Array; tileValid: Uint8Array; taperX: Float32Array; taperY: Float32Array; wrow: Float32Array; mask: Uint8Array } | null;
  private wrowJs = new Float32Array(0);
  private lease: Lease | null = null;

  constructor(private readonly o: BlendBandOptions) {
    const { classes, height: H, width: W, tileSize: T } = o;
    const module = o.wasm === false ? null : wasmModule();
    const regions = BlendBand.regions(o);
    // A band beyond WebAssembly's 4 GB (a box ~100 000 pixels wide with many classes) stays in JavaScript.
    const got = module ? takeMemory(module, regions.end) : null;
    if (!got) {
      this.acc = new Float32Array(classes * H * W);
      this.wsum = new Float32Array(H * W);
      this.valid = new Uint8Array(H * W);
      this.exports = null;
      this.staged = null;
      return;
    }
    this.exports = got.exports;
    this.lease = got;
    const { accOff, wsumOff, validOff, logitsOff, tileValidOff, taperOff, taperYOff, wrowOff, maskOff } = regions;
    const buf = got.memory.buffer;
    this.acc = new Float32Array(buf, accOff, classes * H * W);
    this.wsum = new Float32Array(buf, wsumOff, H * W);
    this.valid = new Uint8Array(buf, validOff, H * W);
    this.staged = {
      logits: new Float32Array(buf, logitsOff, classes * T * T),
      tileValid: new Uint8Array(buf, tileValidOff, T * T),
      taperX: new Float32Array(buf, taperOff, T),
      taperY: new Float32Array(buf, taperYOff, T),
      wrow: new Float32Array(buf, wrowOff, T),
      mask: new Uint8Array(buf, maskOff, H * W),
    };
    // A recycled memory holds the previous job's band.
    if (got.recycled) {
      this.acc.fill(0);
      this.wsum.fill(0);
      this.valid.fill(0);
    }
  }

  /** Gives the band's memory back for the next job's band; this band must not be used afterwards. */
  release(): void {
    if (!this.lease) return;
    giveBack(this.lease);
    this.lease = null;
  }

  /** Byte offsets, 16-byte aligned: the band's acc, wsum, valid; the staged tile: logits, mask, tapers, weight
   *  row; the class mask argmaxMask writes. */
  private static regions(o: BlendBandOptions) {
    const { classes, height: H, width: W, tileSize: T } = o;
    const accOff = 0;
    const wsumOff = accOff + align16(4 * classes * H * W);
    const validOff = wsumOff + align16(4 * H * W);
    const logitsOff = validOff + align16(H * W);
    const tileValidOff = logitsOff + align16(4 * classes * T * T);
    const taperOff = tileValidOff + align16(T * T);
    const taperYOff = taperOff + align16(4 * T);
    const wrowOff = taperYOff + align16(4 * T);
    const maskOff = wrowOff + align16(4 * T);
    return { accOff, wsumOff, validOff, logitsOff, tileValidOff, taperOff, taperYOff, wrowOff, maskOff, end: maskOff + align16(H * W) + 16 };
  }

  /** Whether addTile runs the SIMD code. */
  get simd(): boolean {
    return this.exports !== null;
  }

  /** Adds tapers.y[r] · tapers.x[c] · logits (classes × tile rows × tile cols) over the placement, skipping
   *  pixels the tile's `valid` mask says hold no data (their logits may be anything, NaN included). */
  addTile(p: TilePlacement, logits: Float32Array, valid: Uint8Array, tapers: TileTapers): void {
    if (p.cols <= 0 || p.rows <= 0) return;
    if (this.exports) this.addSimd(p, logits, valid, tapers);
    else this.addJs(p, logits, valid, tapers);
  }

  private addSimd(p: TilePlacement, logits: Float32Array, valid: Uint8Array, tapers: TileTapers): void {
    const { classes, height: H, width: W } = this.o;
    const T = p.window.width;
    const tplane = T * p.window.height;
    const s = this.staged!;
    if (logits.length > s.logits.length || valid.length > s.tileValid.length || tapers.x.length > s.taperX.length || tapers.y.length > s.taperY.length) {
      throw new RangeError(`tile of ${T}×${p.window.height} is larger than the band's ${this.o.tileSize}² staging`);
    }
    s.logits.set(logits);
    s.tileValid.set(valid);
    s.taperX.set(tapers.x);
    s.taperY.set(tapers.y);
    this.exports!.addTile(s.taperX.byteOffset, s.taperY.byteOffset, s.tileValid.byteOffset, s.logits.byteOffset, s.wrow.byteOffset, this.acc.byteOffset, this.wsum.byteOffset, this.valid.byteOffset,
      W, H * W, T, tplane, classes, p.bandRow, p.bandCol, p.tileRow, p.tileCol, p.rows, p.cols);
  }

  /** The class of each of the band's first `count` pixels (row-major from its top row): the class with the
   *  largest sum of weighted logits (the first on ties), or `nodata` where no tile had data. */
  argmaxMask(count: number, nodata: number): Uint8Array {
    const { classes, height: H, width: W } = this.o;
    if (count > H * W) throw new RangeError(`argmaxMask: ${count} pixels of a band of ${H * W}`);
    if (nodata !== 255 || classes > 255) return this.argmaxJs(count, nodata);
    if (!this.exports) return this.argmaxJs(count, nodata);
    const out = this.staged!.mask;
    this.exports.argmaxMask(this.acc.byteOffset, this.wsum.byteOffset, this.valid.byteOffset, H * W, count, classes, out.byteOffset);
    return out.slice(0, count);
  }

  // The reference of argmaxMask. The weights' sum scales every class alike: the argmax of the sums is the
  // argmax of the means.
  private argmaxJs(count: number, nodata: number): Uint8Array {
    const { classes, height: H, width: W } = this.o;
    const plane = H * W;
    const { acc, wsum, valid } = this;
    const mask = new Uint8Array(count).fill(nodata);
    for (let i = 0; i < count; i++) {
      if (!(wsum[i] > 0) || !valid[i]) continue;
      let best = 0;
      let max = -Infinity;
      for (let c = 0; c < classes; c++) {
        const v = acc[c * plane + i];
        if (v > max) {
          max = v;
          best = c;
        }
      }
      mask[i] = best;
    }
    return mask;
  }

  // The reference: one row of weights at a time (0 where the source has no data), then class by class.
  private addJs(p: TilePlacement, logits: Float32Array, valid: Uint8Array, tapers: TileTapers): void {
    const { classes, height: H, width: W } = this.o;
    const T = p.window.width;
    const plane = H * W;
    const tplane = T * p.window.height;
    const n = p.cols;
    const wrow = this.wrowJs.length >= n ? this.wrowJs : (this.wrowJs = new Float32Array(n));
    const { acc, wsum, valid: bandValid } = this;
    for (let r = 0; r < p.rows; r++) {
      const ty = p.tileRow + r;
      const wy = tapers.y[ty];
      const b0 = (p.bandRow + r) * W + p.bandCol;
      const t0 = ty * T + p.tileCol;
      let holes = false;
      for (let k = 0; k < n; k++) {
        if (valid[t0 + k]) {
          // The float32 weight is what the logits are multiplied by, so it is also what the sum adds.
          wrow[k] = wy * tapers.x[p.tileCol + k];
          wsum[b0 + k] += wrow[k];
          bandValid[b0 + k] = 1;
        } else {
          wrow[k] = 0;
          holes = true;
        }
      }
      for (let c = 0; c < classes; c++) {
        const a0 = c * plane + b0;
        const l0 = c * tplane + t0;
        if (holes) {
          for (let k = 0; k < n; k++) if (wrow[k] !== 0) acc[a0 + k] += wrow[k] * logits[l0 + k];
        } else {
          for (let k = 0; k < n; k++) acc[a0 + k] += wrow[k] * logits[l0 + k];
        }
      }
    }
  }
}
