// Rasters with known content written through the writer, and a whole-image reference of the overview
// pyramid (written independently of the writer's tile-by-tile builder) to compare against.
import { createCogWriter, type CogResult, type CogWriterOptions, type SampleArray } from '../../../../src/engine/export/geotiff/index';

export type Gen = (x: number, y: number, band: number) => number;

/** Writes a raster whose pixel (x, y) of band b is gen(x, y, b); tiles in `order` (default row-major). */
export async function writeSynthetic(path: string, o: CogWriterOptions, gen: Gen, order?: (tiles: [number, number][]) => [number, number][]): Promise<CogResult> {
  const w = createCogWriter(path, o);
  let tiles: [number, number][] = [];
  for (let r = 0; r < w.tilesDown; r++) for (let c = 0; c < w.tilesAcross; c++) tiles.push([c, r]);
  if (order) tiles = order(tiles);
  for (const [c, r] of tiles) {
    const win = w.tileWindow(c, r);
    const bands = Array.from({ length: o.bands }, (_, b) => {
      const a = new w.options.type.ArrayType(win.width * win.height);
      for (let y = 0; y < win.height; y++) for (let x = 0; x < win.width; x++) a[y * win.width + x] = gen(win.x + x, win.y + y, b);
      return a;
    });
    await w.writeTile(c, r, bands);
  }
  return w.finish();
}

/** The full image of one band as the writer's type stores it. */
export function fullBand(o: CogWriterOptions, gen: Gen, band: number, Ctor: new (n: number) => SampleArray): SampleArray {
  const a = new Ctor(o.width * o.height);
  for (let y = 0; y < o.height; y++) for (let x = 0; x < o.width; x++) a[y * o.width + x] = gen(x, y, band);
  return a;
}

/** One 2× reduction of a whole band: the definition the writer's overviews must meet. */
export function reduceBand(src: SampleArray, w: number, h: number, method: 'nearest' | 'average' | 'mode', nodata: number | null, isFloat: boolean, Ctor: new (n: number) => SampleArray): { data: SampleArray; width: number; height: number } {
  const ow = Math.ceil(w / 2);
  const oh = Math.ceil(h / 2);
  const out = new Ctor(ow * oh);
  const skip = (v: number) => Number.isNaN(v) || (nodata !== null && v === nodata);
  for (let j = 0; j < oh; j++) {
    for (let i = 0; i < ow; i++) {
      const block: number[] = [];
      for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]]) {
        const x = 2 * i + dx;
        const y = 2 * j + dy;
        if (x < w && y < h) block.push(src[y * w + x]);
      }
      let v: number;
      if (method === 'nearest') v = block[0];
      else {
        const valid = block.filter((b) => !skip(b));
        if (valid.length === 0) v = nodata ?? NaN;
        else if (method === 'average') {
          const mean = valid.reduce((s, b) => s + b, 0) / valid.length;
          v = isFloat ? mean : Math.sign(mean) * Math.round(Math.abs(mean));
        } else {
          const counts = new Map<number, number>();
          let best = valid[0];
          let bestN = 0;
          for (const b of valid) {
            const n = (counts.get(b) ?? 0) + 1;
            counts.set(b, n);
            if (n > bestN) { bestN = n; best = b; }
          }
          v = best;
        }
      }
      out[j * ow + i] = v;
    }
  }
  return { data: out, width: ow, height: oh };
}

/** Compares typed arrays treating NaN as equal to NaN; returns the first mismatch or null. */
export function firstMismatch(a: ArrayLike<number>, b: ArrayLike<number>): string | null {
  if (a.length !== b.length) return `length ${a.length} vs ${b.length}`;
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return `index ${i}: ${a[i]} vs ${b[i]}`;
  }
  return null;
}
