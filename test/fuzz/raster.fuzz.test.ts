// Fuzz test of the raster reader: 1200 mutated copies of the sample scene and of rasters written here
// (GDAL layouts: tiled/striped, DEFLATE/LZW/PackBits/ZSTD/JPEG/LERC, predictors, BigTIFF, big-endian, masks, overviews;
// plus PNG and JPEG). Every case must open and read, or fail with a SatError: zero other exceptions, zero
// crashes, zero hangs. Cases run in a child process with a per-case deadline; a hung case is killed, recorded
// and the run resumes after it.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { sampleScene } from '../helpers/shared';
import { cleanup, hasGdalPython, makeRaster } from '../engine/raster/fixtures';

const CASES = Number(process.env.SATDIFUSER_FUZZ_CASES ?? 1200);
const CASE_DEADLINE_MS = 10_000;
const SEED = Number(process.env.SATDIFUSER_FUZZ_SEED ?? 20260101);

const work = mkdtempSync(join(tmpdir(), 'satdifuser-fuzz-'));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  cleanup();
});

function writeImages(): string[] {
  const w = 40;
  const h = 30;
  const png = new PNG({ width: w, height: h });
  const rgb = Buffer.alloc(w * h * 4);
  for (let i = 0; i < w * h; i++) {
    png.data[i * 4] = i % 251; png.data[i * 4 + 1] = (i * 3) % 256; png.data[i * 4 + 2] = (i * 7) % 256; png.data[i * 4 + 3] = i % 5 ? 255 : 0;
    rgb[i * 4] = i % 200; rgb[i * 4 + 1] = 100; rgb[i * 4 + 2] = (i * 5) % 256; rgb[i * 4 + 3] = 255;
  }
  const pngPath = join(work, 'corpus.png');
  writeFileSync(pngPath, PNG.sync.write(png));
  const jpgPath = join(work, 'corpus.jpg');
  writeFileSync(jpgPath, jpeg.encode({ width: w, height: h, data: rgb }, 85).data);
  return [pngPath, jpgPath];
}

function corpus(): string[] {
  const files = [sampleScene, sampleScene, ...writeImages()];
  if (hasGdalPython) {
    const gt = [500000, 10, 0, 4000000, 0, -10];
    files.push(
      makeRaster({ width: 200, height: 150, bands: 3, dtype: 'uint16', srs: 'EPSG:32633', gt, nodata: 0, overviewsAfter: [2, 4], mask: [0, 0, 20, 20],
        co: ['TILED=YES', 'BLOCKXSIZE=64', 'BLOCKYSIZE=64', 'COMPRESS=DEFLATE', 'PREDICTOR=2'] }, 'fz-cogish.tif'),
      makeRaster({ width: 120, height: 90, bands: 1, dtype: 'float32', srs: 'EPSG:4326', gt: [10, 0.01, 0, 50, 0, -0.01], co: ['COMPRESS=LZW', 'PREDICTOR=3', 'BIGTIFF=YES'] }, 'fz-bigtiff.tif'),
      makeRaster({ width: 96, height: 64, bands: 2, dtype: 'int16', co: ['TILED=YES', 'BLOCKXSIZE=32', 'BLOCKYSIZE=32', 'COMPRESS=PACKBITS', 'INTERLEAVE=BAND', 'ENDIANNESS=BIG'] }, 'fz-bigendian.tif'),
      makeRaster({ width: 64, height: 64, bands: 3, dtype: 'uint8', pattern: 'ramp', co: ['TILED=YES', 'BLOCKXSIZE=32', 'BLOCKYSIZE=32', 'COMPRESS=JPEG', 'PHOTOMETRIC=YCBCR'] }, 'fz-jpeg.tif'),
      makeRaster({ width: 70, height: 50, bands: 2, dtype: 'float32', co: ['TILED=YES', 'BLOCKXSIZE=32', 'BLOCKYSIZE=32', 'COMPRESS=LERC_ZSTD', 'MAX_Z_ERROR=0.01'] }, 'fz-lerc.tif'),
      makeRaster({ width: 80, height: 60, bands: 1, dtype: 'float64', srs: '+proj=lcc +lat_1=45 +lat_2=55 +lat_0=50 +lon_0=10 +x_0=0 +y_0=0 +ellps=intl +units=m +no_defs', gt, co: ['TILED=YES', 'COMPRESS=ZSTD'] }, 'fz-zstd.tif'),
    );
  }
  return files;
}

interface Result { i: number; outcome: 'ok' | 'sat' | 'bug' | 'hang' | 'crash'; code?: string; kind?: string; error?: string; base?: string }

function runFrom(files: string[], start: number, results: Result[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--max-old-space-size=1536', '--import', 'tsx', 'test/fuzz/fuzzRunner.ts', JSON.stringify(files), String(start), String(CASES), work, String(SEED)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let current = start;
    let finished = false;
    let stderr = '';
    child.stderr.on('data', (d) => { stderr = (stderr + d).slice(-4000); });
    let timer = setTimeout(() => onHang(), CASE_DEADLINE_MS * 3); // start-up included
    const onHang = (): void => {
      results.push({ i: current, outcome: 'hang' });
      finished = true;
      child.kill('SIGKILL');
    };
    createInterface({ input: child.stdout }).on('line', (line) => {
      const msg = JSON.parse(line);
      if (msg.done) { finished = true; clearTimeout(timer); return; }
      clearTimeout(timer);
      if (msg.start) {
        current = msg.i;
        timer = setTimeout(onHang, CASE_DEADLINE_MS);
      } else {
        results.push(msg);
        current = msg.i + 1;
      }
    });
    child.on('exit', () => {
      clearTimeout(timer);
      if (!finished) results.push({ i: current, outcome: 'crash', error: stderr });
      resolve(finished && results.at(-1)?.outcome !== 'hang' ? CASES : current + 1);
    });
  });
}

describe('raster reader fuzz', () => {
  it(`${CASES} mutated rasters: every one opens and reads, or fails with a SatError`, async () => {
    const files = corpus();
    const results: Result[] = [];
    let next = 0;
    while (next < CASES) next = await runFrom(files, next, results);
    const bad = results.filter((r) => r.outcome === 'bug' || r.outcome === 'hang' || r.outcome === 'crash');
    const tally: Record<string, number> = {};
    for (const r of results) {
      const k = r.outcome === 'sat' ? `sat:${r.code}` : r.outcome;
      tally[k] = (tally[k] ?? 0) + 1;
    }
    console.log(`fuzz: ${results.length} cases over ${files.length} corpus files: ${JSON.stringify(tally)}`);
    expect(bad.map((b) => `case ${b.i} (${b.kind ?? ''} of ${b.base ?? ''}): ${b.outcome} ${b.error?.slice(0, 600) ?? ''}`)).toEqual([]);
    expect(results.length).toBe(CASES);
    // The mutations must exercise both paths: many files still read, many are refused.
    expect(tally.ok ?? 0).toBeGreaterThan(CASES / 10);
    expect(results.filter((r) => r.outcome === 'sat').length).toBeGreaterThan(CASES / 10);
  }, 300_000);
});
