// Decodes runs of IEEE half-precision values into a float32 array the decoder owns, with the SIMD
// WebAssembly of wasm/halfDecoder.wat: the warm path of a segmentation decodes ~1 M cached feature values
// per tile, and the table decoder of fp16.ts, although exact and fast for JavaScript, spent a quarter of a
// warm run on it (cache-cold table lookups). Each decoder has its own WebAssembly memory: a small staging
// area the input is copied into chunk by chunk (so the conversion reads from the L1/L2 cache), then the
// output array, which callers use in place (no copy out). Where WebAssembly SIMD is unavailable the table
// decoder does the same job into an ordinary array.
import { compileSimd, instantiate, type WasmMemory } from '../wasm/simd';
import { float16ToFloat32 } from './fp16';
import { HalfDecoderWasm } from './halfDecoderWasm';

interface DecoderExports {
  decode(src: number, dst: number, n: number): void;
}

const PAGE = 65536;
/** Halves staged per call: 64 KB, one page, which also sits before the output region. */
const CHUNK = PAGE / 2;

let compiled: object | null | undefined;
const wasmModule = (): object | null => (compiled === undefined ? (compiled = compileSimd(HalfDecoderWasm)) : compiled);

export interface HalfDecoderOptions {
  /** false: always the table decoder (tests, and runtimes where WebAssembly is disabled). Default: SIMD when available. */
  readonly wasm?: boolean;
}

export class HalfDecoder {
  private memory: WasmMemory | null = null;
  private exports: DecoderExports | null = null;
  /** The output region (or the plain array of the table decoder); grows, never shrinks. */
  private out = new Float32Array(0);
  private module: object | null;

  constructor(opts: HalfDecoderOptions = {}) {
    this.module = opts.wasm === false ? null : wasmModule();
  }

  /** Whether this decoder runs the SIMD code (false: the table decoder). */
  get simd(): boolean {
    return this.module !== null;
  }

  /** Bytes of memory held. */
  get bytes(): number {
    return this.memory ? this.memory.buffer.byteLength : this.out.byteLength;
  }

  /** Decodes the first `count` halves of `halves` (little-endian bytes, any alignment). The result is a view
   *  of this decoder's memory, overwritten by the next decode. */
  decode(halves: Uint8Array, count: number): Float32Array {
    if (!Number.isInteger(count) || count < 0 || halves.length < 2 * count) {
      throw new RangeError(`HalfDecoder: ${count} halves asked of ${halves.length} bytes`);
    }
    const exp = this.module ? this.ensure(count) : null;
    if (!exp) {
      if (this.out.length < count) this.out = new Float32Array(count);
      const view = halves.byteOffset % 2 === 0 ? new Uint16Array(halves.buffer, halves.byteOffset, count) : new Uint16Array(halves.slice(0, 2 * count).buffer);
      return float16ToFloat32(view, this.out.subarray(0, count));
    }
    const mem = new Uint8Array(this.memory!.buffer);
    for (let done = 0; done < count; done += CHUNK) {
      const n = Math.min(CHUNK, count - done);
      mem.set(halves.subarray(2 * done, 2 * (done + n)), 0);
      exp.decode(0, PAGE + 4 * done, n);
    }
    return this.out.subarray(0, count);
  }

  /** Memory for `count` outputs (plus the three the last SIMD step may write past them). */
  private ensure(count: number): DecoderExports | null {
    if (this.exports && this.out.length >= count) return this.exports;
    // Rounded up to 1/8 more than asked, so a run of slightly growing rows does not reallocate every time.
    const values = Math.max(count + (count >>> 3), 1024) + 4;
    const got = instantiate<DecoderExports>(this.module!, PAGE + 4 * values);
    if (!got) {
      // No memory that large for WebAssembly: this decoder goes on with the table decoder.
      this.module = null;
      this.memory = null;
      this.exports = null;
      return null;
    }
    this.memory = got.memory;
    this.exports = got.exports;
    this.out = new Float32Array(this.memory.buffer, PAGE, values - 4);
    return this.exports;
  }
}
