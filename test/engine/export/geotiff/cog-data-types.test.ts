// Every data type, through every overview level, read back by geotiff.js and by GDAL, against values
// known by construction (the generator) and overviews computed on the whole image by the reference.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { fromFile } from 'geotiff';
import type { RasterDataType } from '../../../../src/shared/raster';
import type { CogWriterOptions, Resampling } from '../../../../src/engine/export/geotiff/index';
import { sampleType } from '../../../../src/engine/export/geotiff/sample-type';
import { openRaster } from '../../../../src/engine/raster/open';
import { firstMismatch, fullBand, reduceBand, writeSynthetic, type Gen } from './fixtures';
import { gdalPixels, gdalinfo, hasGdal, validateCog } from './gdal';

const dir = mkdtempSync(join(tmpdir(), 'cog-types-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Values that exercise sign, range ends and (for floats) NaN, varying smoothly enough for predictors.
const gens: Record<RasterDataType, Gen> = {
  uint8: (x, y, b) => (x * 3 + y * 5 + b * 40) % 256,
  int8: (x, y, b) => ((x * 3 + y * 7 + b * 11) % 256) - 128,
  uint16: (x, y, b) => (x === 0 && y === 0 ? 65535 : (x * 811 + y * 13 + b * 1000) % 65536),
  int16: (x, y, b) => (x === 1 && y === 0 ? -32768 : (x * 811 + y * 13 + b) % 65536 - 32768),
  uint32: (x, y, b) => (x === 2 && y === 0 ? 4294967295 : x * 50_000_001 + y * 3 + b),
  int32: (x, y, b) => (x === 3 && y === 0 ? -2147483648 : (x - 37) * 40_000_000 + y - b),
  float32: (x, y, b) => (x === 4 && y === 1 ? NaN : Math.fround(Math.sin(x / 9) * 1e3 + y * 0.125 - b)),
  float64: (x, y, b) => (x === 5 && y === 2 ? NaN : Math.cos(y / 5) * 1e-3 + x * 1e9 + b),
};

const W = 75;
const H = 53;

for (const dataType of Object.keys(gens) as RasterDataType[]) {
  describe(`${dataType} COG`, () => {
    const t = sampleType(dataType)!;
    const gen = gens[dataType];
    const interleave = dataType === 'int16' || dataType === 'float64' ? 'band' : 'pixel';
    const resampling: Resampling = dataType === 'uint16' ? 'mode' : dataType === 'int8' ? 'nearest' : 'average';
    const nodata = dataType === 'int32' ? -2147483648 : null;
    const o: CogWriterOptions = { width: W, height: H, bands: 2, dataType, tileSize: 16, interleave, resampling, nodata };
    const path = join(dir, `${dataType}.tif`);

    // Expected pyramid: 75×53 → 38×27 → 19×14 → 10×7 (the first level that fits one 16-pixel tile).
    const expected = [0, 1].map((b) => {
      const levels = [{ data: fullBand(o, gen, b, t.ArrayType), width: W, height: H }];
      while (levels.at(-1)!.width > 16 || levels.at(-1)!.height > 16) {
        const l = levels.at(-1)!;
        levels.push(reduceBand(l.data, l.width, l.height, resampling, nodata, t.isFloat, t.ArrayType));
      }
      return levels;
    });

    it('writes the pyramid the options ask for', async () => {
      const r = await writeSynthetic(path, o, gen);
      expect(r.levels.map((g) => [g.width, g.height])).toEqual(expected[0].map((l) => [l.width, l.height]));
      expect(r.levels.map((g) => [g.width, g.height])).toEqual([[75, 53], [38, 27], [19, 14], [10, 7]]);
    });

    it('reads back exactly with geotiff.js at every level', async () => {
      const tiff = await fromFile(path);
      try {
        expect(await tiff.getImageCount()).toBe(expected[0].length);
        for (let level = 0; level < expected[0].length; level++) {
          const img = await tiff.getImage(level);
          expect([img.getWidth(), img.getHeight()]).toEqual([expected[0][level].width, expected[0][level].height]);
          expect(img.getTileWidth()).toBe(16);
          const rasters = (await img.readRasters()) as unknown as ArrayLike<number>[];
          for (let b = 0; b < 2; b++) expect(firstMismatch(rasters[b], expected[b][level].data), `level ${level} band ${b}`).toBeNull();
        }
      } finally {
        tiff.close();
      }
    });

    it("reads back exactly with the project's own reader at every level", async () => {
      const src = await openRaster(path);
      try {
        expect(src.info).toMatchObject({ width: W, height: H, bands: 2, dataType, tiled: true, blockSize: [16, 16], nodata });
        expect(src.info.overviews).toEqual(expected[0].slice(1).map((l) => ({ width: l.width, height: l.height })));
        for (let level = 0; level < expected[0].length; level++) {
          const l = expected[0][level];
          // A window covering the whole level, in full-resolution pixels, read at that overview.
          const block = await src.read({ window: { x: 0, y: 0, width: W, height: H }, overview: level, outWidth: l.width, outHeight: l.height });
          for (let b = 0; b < 2; b++) expect(firstMismatch(block.bands[b], expected[b][level].data), `level ${level} band ${b}`).toBeNull();
        }
      } finally {
        await src.close();
      }
    });

    it.skipIf(!hasGdal)('reads back exactly with GDAL at every level, with the structure GDAL reports', () => {
      const info = gdalinfo(path);
      expect(info.size).toEqual([W, H]);
      expect(info.metadata.IMAGE_STRUCTURE).toMatchObject({ COMPRESSION: 'DEFLATE', LAYOUT: 'COG', PREDICTOR: t.isFloat ? '3' : '2', INTERLEAVE: interleave.toUpperCase() });
      expect(info.bands[0].block).toEqual([16, 16]);
      const signedByte = info.bands[0].metadata?.IMAGE_STRUCTURE?.PIXELTYPE === 'SIGNEDBYTE';
      expect(signedByte ? 'Int8' : info.bands[0].type).toBe({ uint8: 'Byte', int8: 'Int8', uint16: 'UInt16', int16: 'Int16', uint32: 'UInt32', int32: 'Int32', float32: 'Float32', float64: 'Float64' }[dataType]);
      expect(info.bands[0].overviews.map((ov: { size: number[] }) => ov.size)).toEqual(expected[0].slice(1).map((l) => [l.width, l.height]));
      if (nodata !== null) expect(info.bands[1].noDataValue).toBe(nodata);
      for (let level = 0; level < expected[0].length; level++) {
        const px = gdalPixels(path, level === 0 ? undefined : level - 1);
        for (let b = 0; b < 2; b++) expect(firstMismatch(px.bands[b], expected[b][level].data), `level ${level} band ${b}`).toBeNull();
      }
      const v = validateCog(path);
      if (v) expect(v.valid, v.output).toBe(true);
    });
  });
}

describe.skipIf(!hasGdal)('overviews against GDAL’s own (gdaladdo on the same pixels)', () => {
  // Even sizes at every level, so GDAL's resampling has an exact factor of 2 and must agree with ours.
  for (const [dataType, method, nodata] of [['uint8', 'average', null], ['uint8', 'nearest', null], ['uint8', 'mode', null], ['float32', 'average', null], ['int16', 'average', -1]] as const) {
    it(`${dataType} ${method}${nodata === null ? '' : ' with nodata'}`, async () => {
      const o: CogWriterOptions = { width: 128, height: 64, bands: 1, dataType, tileSize: 32, resampling: method, overviews: 2, nodata };
      const gen: Gen = dataType === 'float32' ? (x, y) => Math.fround(Math.sqrt(x * y) + x / 3)
        : method === 'mode' ? (x, y) => ((x >> 1) * 7 + (y >> 2) * 3 + (x & y & 1)) % 5
          : nodata !== null ? (x, y) => ((x * y) % 7 === 0 ? -1 : x * 100 - y * 37) : (x, y) => (x * 13 + y * 29 + ((x * y) % 5)) % 256;
      const ours = join(dir, `ovr-${dataType}-${method}.tif`);
      await writeSynthetic(ours, o, gen);
      const plain = join(dir, `plain-${dataType}-${method}.tif`);
      execFileSync('gdal_translate', ['-q', '-co', 'TILED=YES', '-co', 'COPY_SRC_OVERVIEWS=NO', '--config', 'GDAL_TIFF_INTERNAL_MASK', 'NO', ours, plain]);
      execFileSync('gdaladdo', ['-q', '-r', method, plain, '2', '4']);
      for (const ovr of [0, 1]) {
        const a = gdalPixels(ours, ovr);
        const b = gdalPixels(plain, ovr);
        expect([a.width, a.height]).toEqual([b.width, b.height]);
        // GDAL 3.6 averages float32 2×2 blocks in float32 arithmetic (SSE2 path); we average in double
        // and round once, so floats may differ by an ulp or so. Integers must match exactly.
        const tol = dataType === 'float32' ? 1e-6 : 0;
        const bad = Array.from(a.bands[0]).findIndex((v, i) => Math.abs(v - b.bands[0][i]) > tol * Math.abs(b.bands[0][i]));
        expect(bad, `overview ${ovr}: ${a.bands[0][bad]} vs ${b.bands[0][bad]}`).toBe(-1);
      }
    });
  }
});
