// `satdifuser cog <in> <out>` end to end: the command object with captured streams (fast), and the real
// executable for exit codes and Ctrl+C. GDAL referees the output; geotiff.js reads it independently.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { fromFile } from 'geotiff';
import { command } from '../../src/cli/commands/cog';
import type { CliContext } from '../../src/cli/command';
import { SatError } from '../../src/shared/errors';
import { sampleScene } from '../helpers/shared';
import { firstMismatch, writeSynthetic } from '../engine/export/geotiff/fixtures';
import { gdalPixels, gdalProj4, gdalinfo, hasGdal, validateCog } from '../engine/export/geotiff/gdal';

const dir = mkdtempSync(join(tmpdir(), 'cli-cog-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const bin = resolve('bin/satdifuser.mjs');

class Capture extends Writable {
  text = '';
  constructor(readonly isTTY = false, readonly columns = 100) { super(); }
  override _write(chunk: Buffer, _enc: string, cb: () => void) { this.text += chunk.toString(); cb(); }
}

async function runCog(args: string[], opts: { tty?: boolean; signal?: AbortSignal } = {}) {
  const stdout = new Capture();
  const stderr = new Capture(opts.tty ?? false);
  const ctx: CliContext = { stdout, stderr, signal: opts.signal ?? new AbortController().signal };
  const code = await command.run(args, ctx);
  return { code, stdout: stdout.text, stderr: stderr.text };
}

async function geotiffPixels(path: string, level = 0): Promise<ArrayLike<number>[]> {
  const tiff = await fromFile(path);
  try {
    return (await (await tiff.getImage(level)).readRasters()) as unknown as ArrayLike<number>[];
  } finally {
    tiff.close();
  }
}

describe('satdifuser cog on the sample scene', () => {
  it('writes a valid COG with the same pixels, EPSG:31985, DEFLATE and overviews', async () => {
    const out = join(dir, 'sample.tif');
    const r = await runCog([sampleScene, out, '--tile', '256']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${out}: 349×352, 6 band(s) uint8, 256×256 tiles, DEFLATE, predictor 2, pixel interleave, 1 overview(s) (175×176, average), ${(readFileSync(out).length / 1024).toFixed(1)} KiB\n`);
    // Non-TTY progress: plain lines, the last one saying it is done.
    expect(r.stderr).toMatch(/^cog: tiles: .*\(4\/4 tiles/m);
    expect(r.stderr).toMatch(/^cog: file: done in/m);
    expect(r.stderr).not.toContain('\r');
    const src = await geotiffPixels(sampleScene);
    const got = await geotiffPixels(out);
    for (let b = 0; b < 6; b++) expect(firstMismatch(got[b], src[b]), `band ${b}`).toBeNull();
    if (!hasGdal) return;
    const info = gdalinfo(out);
    const ref = gdalinfo(sampleScene);
    expect(info.coordinateSystem.wkt).toMatch(/ID\["EPSG",31985\]\]$/);
    expect(info.geoTransform).toEqual(ref.geoTransform);
    expect(info.metadata.IMAGE_STRUCTURE).toMatchObject({ COMPRESSION: 'DEFLATE', LAYOUT: 'COG', PREDICTOR: '2' });
    expect(info.metadata['']).toMatchObject({ SOURCE_FILE: 'L7_ETMs.tif' });
    expect(info.bands[0].block).toEqual([256, 256]);
    expect(info.bands[0].overviews).toEqual([{ size: [175, 176] }]);
    const v = validateCog(out);
    if (v) expect(v.valid, v.output).toBe(true);
  });

  it('draws a bar on a terminal', async () => {
    const r = await runCog([sampleScene, join(dir, 'tty.tif'), '--quiet']);
    expect(r.stderr).toBe('');
    const t = await runCog([sampleScene, join(dir, 'tty.tif')], { tty: true });
    expect(t.stderr).toContain('\r');
    expect(t.stderr).toMatch(/█+/);
  });

  it.skipIf(!hasGdal)('honours --tile, --resampling, --compress, --interleave, --overviews and --nodata', async () => {
    const out = join(dir, 'options.tif');
    const r = await runCog([sampleScene, out, '--tile', '128', '--resampling', 'nearest', '--compress', 'none', '--interleave', 'band', '--overviews', '2', '--nodata', '0', '--quiet']);
    expect(r.code).toBe(0);
    const info = gdalinfo(out);
    expect(info.metadata.IMAGE_STRUCTURE.COMPRESSION).toBeUndefined();
    expect(info.metadata.IMAGE_STRUCTURE).toMatchObject({ INTERLEAVE: 'BAND', LAYOUT: 'COG' });
    expect(info.bands[2].block).toEqual([128, 128]);
    expect(info.bands[2].noDataValue).toBe(0);
    expect(info.bands[2].overviews).toEqual([{ size: [175, 176] }, { size: [88, 88] }]);
    // Nearest: overview pixel (i, j) is source pixel (2i, 2j).
    const src = gdalPixels(sampleScene);
    const ovr = gdalPixels(out, 0);
    const expected = new Uint8Array(175 * 176).map((_, k) => src.bands[3][2 * Math.floor(k / 175) * 349 + 2 * (k % 175)]);
    expect(firstMismatch(ovr.bands[3], expected)).toBeNull();
  });
});

describe.skipIf(!hasGdal)('what a rewrite carries over', () => {
  it('a class mask keeps its colour table, categories, nodata and metadata, and defaults to nearest overviews', async () => {
    const mask = join(dir, 'classes.tif');
    await writeSynthetic(mask, {
      width: 300, height: 200, bands: 1, dataType: 'uint8', tileSize: 64, overviews: 0, nodata: 255,
      colorTable: [[0, 0, 255], [0, 160, 0], [250, 250, 0]], classNames: ['water', 'trees', 'fields'],
      provenance: { model: 'm1', fusion: 'moe' }, crs: { kind: 'epsg', code: 32618, geographic: false }, transform: [600000, 2, 0, 4500000, 0, -2],
    }, (x, y) => (x + y < 40 ? 255 : ((x >> 4) + (y >> 5)) % 3));
    const out = join(dir, 'classes-cog.tif');
    const r = await runCog([mask, out, '--tile', '256', '--quiet']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('(150×100, nearest)');
    const a = gdalinfo(mask);
    const b = gdalinfo(out);
    expect(b.bands[0].colorTable).toEqual(a.bands[0].colorTable);
    expect(b.bands[0].categories).toEqual(['water', 'trees', 'fields']);
    expect(b.bands[0].noDataValue).toBe(255);
    expect(b.metadata['']).toMatchObject({ MODEL: 'm1', FUSION: 'moe', SOURCE_FILE: 'classes.tif' });
    expect(b.geoTransform).toEqual(a.geoTransform);
    expect(firstMismatch(gdalPixels(out).bands[0], gdalPixels(mask).bands[0])).toBeNull();
  });

  it('a user-defined CRS and a PixelIsPoint GeoTIFF written by GDAL keep their exact georeferencing', () => {
    const proj = '+proj=lcc +lat_0=-10 +lon_0=-40 +lat_1=-5 +lat_2=-15 +x_0=1000000 +y_0=2000000 +ellps=GRS80 +units=m +no_defs';
    const custom = join(dir, 'custom.tif');
    spawnSync('gdal_translate', ['-q', '-a_srs', proj, '-a_ullr', '100000', '900000', '109970', '889968', '-mo', 'AREA_OR_POINT=Point', sampleScene, custom]);
    const out = join(dir, 'custom-cog.tif');
    return runCog([custom, out, '--quiet']).then((r) => {
      expect(r.code).toBe(0);
      expect(gdalProj4(out)).toBe(gdalProj4(custom));
      expect(gdalinfo(out).geoTransform).toEqual(gdalinfo(custom).geoTransform);
    });
  });
});

describe('bad input', () => {
  it('a missing input is a typed FILE_NOT_FOUND, and nothing is written', async () => {
    const out = join(dir, 'never.tif');
    await expect(runCog([join(dir, 'nope.tif'), out])).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
    expect(existsSync(out)).toBe(false);
  });

  it('a truncated GeoTIFF fails with a typed error and leaves no file or temporary behind', async () => {
    const sub = mkdtempSync(join(dir, 'trunc-'));
    const bad = join(sub, 'cut.tif');
    writeFileSync(bad, readFileSync(sampleScene).subarray(0, 200_000));
    let err: unknown;
    try { await runCog([bad, join(sub, 'out.tif'), '--quiet']); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(SatError);
    expect(['CORRUPT_RASTER', 'UNSUPPORTED_RASTER']).toContain((err as SatError).code);
    expect(readdirSync(sub)).toEqual(['cut.tif']);
  });

  it.each([
    [['only-one.tif'], /Give the input raster and the output file/],
    [['a.tif', 'b.tif', '--tile', 'big'], /--tile needs an integer/],
    [['a.tif', 'b.tif', '--resampling', 'cubic'], /--resampling must be one of average, nearest, mode/],
    [['a.tif', 'b.tif', '--compress', 'lzw'], /--compress must be one of deflate, none/],
    [['a.tif', 'b.tif', '--nodata', 'abc'], /--nodata "abc" is not a number/],
    [['a.tif', 'b.tif', '--frobnicate'], /Unknown option '--frobnicate'/],
  ])('%j is an INVALID_ARGUMENT', async (args, message) => {
    await expect(runCog(args)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(message) });
  });

  it('a tile size that is not a multiple of 16 is refused before reading', async () => {
    await expect(runCog([sampleScene, join(dir, 'x.tif'), '--tile', '100'])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: 'Tile size 100 is not allowed.' });
  });
});

describe('the executable', () => {
  it('exits 0 on success, 2 on a usage error and 1 on a missing file, with the message on stderr', () => {
    const out = join(dir, 'exe.tif');
    const ok = spawnSync(process.execPath, [bin, 'cog', sampleScene, out, '--quiet'], { encoding: 'utf8' });
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^.*exe\.tif: 349×352, 6 band\(s\) uint8/);
    const usage = spawnSync(process.execPath, [bin, 'cog', sampleScene], { encoding: 'utf8' });
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/satdifuser cog: Give the input raster and the output file\.\nUsage: satdifuser cog <in> <out>/);
    const missing = spawnSync(process.execPath, [bin, 'cog', join(dir, 'missing.tif'), out], { encoding: 'utf8' });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/does not exist/);
  });

  it('Ctrl+C (SIGINT) cancels: exit 130, no output and no temporary file', async () => {
    const sub = mkdtempSync(join(dir, 'sigint-'));
    // A big, quick-to-read input: 6000×6000×3 uncompressed, written by the project's own writer.
    const big = join(sub, 'big.tif');
    await writeSynthetic(big, { width: 6000, height: 6000, bands: 3, dataType: 'uint8', tileSize: 512, compression: 'none', overviews: 0 }, (x, y, b) => (x * (b + 1) + y) & 255);
    const child = spawn(process.execPath, [bin, 'cog', big, join(sub, 'out.tif')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const exit = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    await new Promise<void>((res) => child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); if (stderr.includes('cog: tiles:')) res(); }));
    child.kill('SIGINT');
    expect(await exit).toBe(130);
    expect(stderr).toMatch(/cancelled/);
    expect(readdirSync(sub)).toEqual(['big.tif']);
  });
});
