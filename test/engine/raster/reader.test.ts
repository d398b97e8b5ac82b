// Windowed reads of GDAL-written GeoTIFFs in every layout the reader supports, checked pixel by pixel against
// the values the fixture was written with (and against GDAL's own reads where the value is not exact, JPEG).
import { afterAll, describe, expect, it } from 'vitest';
import { openRaster } from '../../../src/engine/raster/open';
import type { RasterSource } from '../../../src/engine/raster/source';
import { cleanup, fixtureValue, gdalRead, hasGdalPython, makeRaster, type DType, type FixtureSpec } from './fixtures';

afterAll(cleanup);

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

async function expectWindowsMatch(src: RasterSource, spec: FixtureSpec, seed: number, windows = 12): Promise<void> {
  const r = rng(seed);
  const list = [
    { x: 0, y: 0, width: spec.width, height: spec.height },
    { x: -5, y: -3, width: 20, height: 11 },
    { x: spec.width - 7, y: spec.height - 4, width: 15, height: 9 },
  ];
  for (let i = 0; i < windows; i++) {
    const w = 1 + Math.floor(r() * 90);
    const h = 1 + Math.floor(r() * 70);
    list.push({ x: Math.floor(r() * (spec.width + 20)) - 10, y: Math.floor(r() * (spec.height + 20)) - 10, width: w, height: h });
  }
  for (const win of list) {
    const bands = spec.bands > 2 ? [spec.bands - 1, 0] : undefined;
    const block = await src.read({ window: win, bands });
    const bandIdx = bands ?? Array.from({ length: spec.bands }, (_, b) => b);
    expect(block.width).toBe(win.width);
    expect(block.height).toBe(win.height);
    for (let j = 0; j < win.height; j++) {
      for (let i = 0; i < win.width; i++) {
        const x = win.x + i;
        const y = win.y + j;
        const inside = x >= 0 && y >= 0 && x < spec.width && y < spec.height;
        const k = j * win.width + i;
        if (!inside) {
          expect(block.valid[k], `valid outside at ${x},${y}`).toBe(0);
          continue;
        }
        bandIdx.forEach((b, bi) => {
          const want = fixtureValue(spec, b, x, y);
          const got = block.bands[bi][k];
          if (got !== want) expect(got, `band ${b} at ${x},${y} window ${JSON.stringify(win)}`).toBe(want);
        });
      }
    }
  }
}

const layouts: Record<string, string[]> = {
  'stripped, uncompressed': [],
  'stripped DEFLATE, 5 rows per strip': ['COMPRESS=DEFLATE', 'BLOCKYSIZE=5'],
  'tiled DEFLATE + horizontal predictor': ['TILED=YES', 'BLOCKXSIZE=64', 'BLOCKYSIZE=48', 'COMPRESS=DEFLATE', 'PREDICTOR=2'],
  'tiled LZW + horizontal predictor': ['TILED=YES', 'BLOCKXSIZE=32', 'BLOCKYSIZE=32', 'COMPRESS=LZW', 'PREDICTOR=2'],
  'tiled PACKBITS, band-interleaved (planar 2)': ['TILED=YES', 'BLOCKXSIZE=48', 'BLOCKYSIZE=16', 'COMPRESS=PACKBITS', 'INTERLEAVE=BAND'],
  'BigTIFF tiled ZSTD': ['BIGTIFF=YES', 'TILED=YES', 'BLOCKXSIZE=64', 'BLOCKYSIZE=64', 'COMPRESS=ZSTD'],
  'big-endian stripped LZW + predictor': ['ENDIANNESS=BIG', 'COMPRESS=LZW', 'PREDICTOR=2', 'BLOCKYSIZE=7'],
  'big-endian tiled uncompressed, planar 2': ['ENDIANNESS=BIG', 'TILED=YES', 'BLOCKXSIZE=32', 'BLOCKYSIZE=16', 'INTERLEAVE=BAND'],
};

const dtypes: DType[] = ['uint8', 'int8', 'uint16', 'int16', 'uint32', 'int32', 'float32', 'float64'];

describe.skipIf(!hasGdalPython)('GeoTIFF reader against GDAL-written fixtures', () => {
  let seed = 1;
  for (const [layout, co] of Object.entries(layouts)) {
    for (const dtype of dtypes) {
      it(`${layout}, ${dtype}`, async () => {
        const spec: FixtureSpec = { width: 157, height: 101, bands: 3, dtype, co };
        const path = makeRaster(spec);
        const src = await openRaster(path);
        try {
          expect(src.info.width).toBe(157);
          expect(src.info.height).toBe(101);
          expect(src.info.bands).toBe(3);
          expect(src.info.dataType).toBe(dtype);
          await expectWindowsMatch(src, spec, seed++);
        } finally {
          await src.close();
        }
      });
    }
  }

  it('floating-point predictor (PREDICTOR=3) for float32 and float64', async () => {
    for (const dtype of ['float32', 'float64'] as const) {
      for (const extra of [[], ['INTERLEAVE=BAND'], ['ENDIANNESS=BIG']]) {
        const spec: FixtureSpec = { width: 90, height: 70, bands: 2, dtype, co: ['TILED=YES', 'BLOCKXSIZE=32', 'BLOCKYSIZE=32', 'COMPRESS=DEFLATE', 'PREDICTOR=3', ...extra] };
        const src = await openRaster(makeRaster(spec));
        await expectWindowsMatch(src, spec, seed++, 5);
        await src.close();
      }
    }
  });

  it('LERC, LERC_DEFLATE and LERC_ZSTD (lossless, MAX_Z_ERROR=0), one and two bands', async () => {
    for (const compress of ['LERC', 'LERC_DEFLATE', 'LERC_ZSTD']) {
      for (const [bands, dtype] of [[1, 'float32'], [2, 'uint16']] as const) {
        const spec: FixtureSpec = { width: 80, height: 60, bands, dtype, co: ['TILED=YES', 'BLOCKXSIZE=32', 'BLOCKYSIZE=32', `COMPRESS=${compress}`, 'MAX_Z_ERROR=0'] };
        const src = await openRaster(makeRaster(spec));
        await expectWindowsMatch(src, spec, seed++, 4);
        await src.close();
      }
    }
  });

  it('JPEG-in-TIFF with YCbCr colour matches GDAL (libjpeg) within JPEG decoder differences', async () => {
    // A smooth ramp: JPEG's chroma subsampling makes sharp edges differ between decoders far more than this.
    const spec: FixtureSpec = { width: 64, height: 40, bands: 3, dtype: 'uint8', pattern: 'ramp', co: ['TILED=YES', 'BLOCKXSIZE=32', 'BLOCKYSIZE=32', 'COMPRESS=JPEG', 'PHOTOMETRIC=YCBCR', 'JPEG_QUALITY=90'] };
    const path = makeRaster(spec);
    const src = await openRaster(path);
    expect(src.info.compression).toBe('JPEG');
    const block = await src.read({ window: { x: 0, y: 0, width: 64, height: 40 } });
    const ref = gdalRead(path, { window: [0, 0, 64, 40] });
    let sum = 0;
    let max = 0;
    for (let b = 0; b < 3; b++) {
      for (let i = 0; i < 64 * 40; i++) {
        const d = Math.abs(block.bands[b][i] - ref.bands[b][i]);
        sum += d;
        max = Math.max(max, d);
      }
    }
    // Different IDCTs and chroma upsampling (libjpeg's "fancy" vs replicated): small, bounded differences.
    expect(sum / (3 * 64 * 40)).toBeLessThan(1.5);
    expect(max).toBeLessThanOrEqual(12);
    // …and without the YCbCr → RGB conversion the bands would be far off (Cb, Cr ≈ 128 ± small).
    expect(Math.abs(block.bands[2][0] - ref.bands[2][0])).toBeLessThan(8);
    await src.close();
  });

  it('palette (colour-table) image reads as its indices, with a note', async () => {
    const spec: FixtureSpec = { width: 40, height: 30, bands: 1, dtype: 'uint8', colorTable: true };
    const src = await openRaster(makeRaster(spec));
    expect(src.info.notes.join(' ')).toMatch(/palette/);
    await expectWindowsMatch(src, spec, seed++, 3);
    await src.close();
  });
});
