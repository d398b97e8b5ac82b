// The raster read's fast paths (whole-pixel deinterleave, 32-bit-word predictor for 4×8-bit pixels, inflate in
// one chunk, synchronous inflate of small strips) against values known from a formula: files written by the
// project's GeoTIFF writer (tiled, DEFLATE, horizontal predictor, pixel- and band-interleaved) and by GDAL
// (1-row strips), read back through every band order and sample count the fast paths distinguish.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCogWriter } from '../../../src/engine/export/geotiff/index';
import { undoHorizontalDifferencing } from '../../../src/engine/raster/codec/predictor';
import { openRaster } from '../../../src/engine/raster/open';

const W = 700, H = 530;
// Distinct, non-smooth values per band so a swapped band, lane or row shows.
const value = (b: number, x: number, y: number) => (x * 7 + y * 13 + b * 61 + ((x * y) >> 3)) & 255;

async function writeScene(path: string, bands: number, interleave: 'pixel' | 'band'): Promise<void> {
  const w = createCogWriter(path, {
    width: W, height: H, bands, dataType: 'uint8', tileSize: 256, overviews: 0, compression: 'deflate', predictor: 'horizontal', interleave,
    crs: { kind: 'epsg', code: 32614, geographic: false }, transform: [500000, 1, 0, 5300000, 0, -1],
  });
  for (let r = 0; r < w.tilesDown; r++) {
    for (let c = 0; c < w.tilesAcross; c++) {
      const win = w.tileWindow(c, r);
      await w.writeTile(c, r, Array.from({ length: bands }, (_, b) => {
        const t = new Uint8Array(win.width * win.height);
        for (let y = 0; y < win.height; y++) for (let x = 0; x < win.width; x++) t[y * win.width + x] = value(b, win.x + x, win.y + y);
        return t;
      }));
    }
  }
  await w.finish();
}

function expectWindow(got: ArrayLike<number>, band: number, win: { x: number; y: number; width: number; height: number }): void {
  let bad = 0;
  for (let y = 0; y < win.height; y++) {
    for (let x = 0; x < win.width; x++) if (got[y * win.width + x] !== value(band, win.x + x, win.y + y)) bad++;
  }
  expect(bad, `band ${band}`).toBe(0);
}

describe('raster read fast paths', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fastpaths-'));
  const win = { x: 37, y: 101, width: 600, height: 411 }; // crosses tile edges on both axes

  for (const [bands, interleave] of [[4, 'pixel'], [3, 'pixel'], [4, 'band']] as const) {
    it(`${bands} bands, ${interleave}-interleaved, predictor 2: every band order and subset reads the written values`, async () => {
      const path = join(dir, `s${bands}${interleave}.tif`);
      await writeScene(path, bands, interleave);
      const src = await openRaster(path);
      try {
        expect(src.info.interleave).toBe(interleave);
        const orders = bands === 4 ? [[0, 1, 2, 3], [3, 1, 0, 2], [2, 0, 1], [1, 3], [3], [0, 0, 2, 1]] : [[0, 1, 2], [2, 1, 0], [1, 2], [0, 2, 2]];
        for (const order of orders) {
          const block = await src.read({ window: win, bands: order });
          order.forEach((b, i) => expectWindow(block.bands[i], b, win));
        }
        // A window past the right/bottom edges: outside pixels are the fill value (0), inside ones are exact.
        const edge = await src.read({ window: { x: W - 50, y: H - 20, width: 100, height: 40 }, bands: [3 % bands, 0] });
        expect(edge.bands[0][0]).toBe(value(3 % bands, W - 50, H - 20));
        expect(edge.bands[1][60]).toBe(0);
      } finally {
        await src.close();
      }
    });
  }

  it('GDAL-written 1-row DEFLATE strips (inflated synchronously) read the same values', async () => {
    const raw = join(dir, 'strips.raw');
    const bytes = new Uint8Array(W * H * 3);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let b = 0; b < 3; b++) bytes[(y * W + x) * 3 + b] = value(b, x, y);
    writeFileSync(raw, bytes);
    writeFileSync(`${raw.slice(0, -4)}.hdr`, `ENVI\nsamples = ${W}\nlines = ${H}\nbands = 3\nheader offset = 0\nfile type = ENVI Standard\ndata type = 1\ninterleave = bip\nbyte order = 0\n`);
    const tif = join(dir, 'strips.tif');
    const r = spawnSync('gdal_translate', ['-q', '-of', 'GTiff', '-co', 'COMPRESS=DEFLATE', '-co', 'PREDICTOR=2', '-co', 'BLOCKYSIZE=1', raw, tif], { encoding: 'utf8' });
    if (r.error) return; // no GDAL on this machine: the writer-based cases above still run
    expect(r.status, r.stderr).toBe(0);
    const src = await openRaster(tif);
    try {
      expect(src.info.blockSize).toEqual([W, 1]);
      const block = await src.read({ window: win, bands: [2, 0, 1] });
      [2, 0, 1].forEach((b, i) => expectWindow(block.bands[i], b, win));
    } finally {
      await src.close();
    }
  });

  it('the 32-bit-word predictor equals the byte-by-byte definition (random bytes, every lane wraps)', () => {
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 255;
    const rowSamples = 4 * 97, rows = 13;
    const data = new Uint8Array(rowSamples * rows).map(rnd);
    const want = data.slice();
    for (let r = 0; r < rows; r++) for (let i = 4; i < rowSamples; i++) want[r * rowSamples + i] = (want[r * rowSamples + i] + want[r * rowSamples + i - 4]) & 255;
    const aligned = data.slice();
    undoHorizontalDifferencing(aligned, rowSamples, rows, 4, 1);
    expect(aligned).toEqual(want);
    // A block that is not 4-byte aligned takes the byte loop and agrees too.
    const host = new Uint8Array(data.length + 1);
    host.set(data, 1);
    const odd = host.subarray(1);
    undoHorizontalDifferencing(odd, rowSamples, rows, 4, 1);
    expect(odd).toEqual(want);
  });
});
