// How the writer behaves around the pixels: any tile order gives the same file, bad input gets typed
// errors that name the problem, cancel and failure leave no file behind, the target is replaced atomically.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fromFile } from 'geotiff';
import { createCogWriter, type CogWriterOptions } from '../../../../src/engine/export/geotiff/index';
import { AbsurdSizeError, CancelledError, InvalidArgumentError, SatError } from '../../../../src/shared/errors';
import { firstMismatch, fullBand, writeSynthetic } from './fixtures';

const root = mkdtempSync(join(tmpdir(), 'cog-behaviour-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const fresh = (name: string) => { const d = join(root, name); rmSync(d, { recursive: true, force: true }); mkdtempSync(d + '-'); return mkdtempSync(join(root, `${name}-`)); };

const o: CogWriterOptions = { width: 70, height: 50, bands: 2, dataType: 'int16', tileSize: 16, nodata: -9 };
const gen = (x: number, y: number, b: number) => (x * 37 - y * 11 + b * 5) % 2000;

// A deterministic shuffle (no Math.random in tests).
function shuffled<T>(items: T[]): T[] {
  const a = [...items];
  let s = 12345;
  for (let i = a.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

describe('tile order', () => {
  it('row-major, reversed and shuffled writes produce byte-identical files', async () => {
    const d = fresh('order');
    await writeSynthetic(join(d, 'rows.tif'), o, gen);
    await writeSynthetic(join(d, 'reversed.tif'), o, gen, (t) => [...t].reverse());
    await writeSynthetic(join(d, 'shuffled.tif'), o, gen, shuffled);
    const rows = readFileSync(join(d, 'rows.tif'));
    expect(readFileSync(join(d, 'reversed.tif')).equals(rows)).toBe(true);
    expect(readFileSync(join(d, 'shuffled.tif')).equals(rows)).toBe(true);
    expect(readdirSync(d).sort()).toEqual(['reversed.tif', 'rows.tif', 'shuffled.tif']);
  });

  it('accepts whole padded tiles as well as clipped windows at the edges', async () => {
    const d = fresh('padded');
    const w = createCogWriter(join(d, 'p.tif'), { ...o, bands: 1 });
    for (let r = 0; r < w.tilesDown; r++) {
      for (let c = 0; c < w.tilesAcross; c++) {
        const a = new Int16Array(16 * 16).fill(-9);
        const win = w.tileWindow(c, r);
        for (let y = 0; y < win.height; y++) for (let x = 0; x < win.width; x++) a[y * 16 + x] = gen(win.x + x, win.y + y, 0);
        await w.writeTile(c, r, [a]);
      }
    }
    await w.finish();
    const tiff = await fromFile(join(d, 'p.tif'));
    const px = (await (await tiff.getImage()).readRasters()) as unknown as Int16Array[];
    tiff.close();
    expect(firstMismatch(px[0], fullBand({ ...o, bands: 1 }, gen, 0, Int16Array))).toBeNull();
  });
});

describe('bad input gets a typed error that says what to do', () => {
  const make = (over: Partial<CogWriterOptions>) => () => createCogWriter(join(root, 'never.tif'), { ...o, ...over });
  it.each([
    ['tile size not a multiple of 16', { tileSize: 100 }, /Tile size 100 is not allowed/],
    ['zero width', { width: 0 }, /positive whole number/],
    ['nodata outside the type', { dataType: 'uint8', nodata: 300 }, /cannot be stored in uint8/],
    ['fractional integer nodata', { nodata: 0.5 }, /cannot be stored in int16/],
    ['unknown data type', { dataType: 'complex64' as never }, /cannot be written/],
    ['colour table on three bands', { bands: 3, dataType: 'uint8', nodata: null, colorTable: [[1, 2, 3]] }, /single-band uint8/],
    ['colour component out of range', { bands: 1, dataType: 'uint8', nodata: null, colorTable: [[1, 2, 300]] }, /outside 0–255/],
    ['float predictor on integers', { predictor: 'float' }, /float32\/float64 only/],
    ['horizontal predictor on floats', { dataType: 'float32', nodata: null, predictor: 'horizontal' }, /integer data only/],
    ['band names count', { bandNames: ['a'] }, /1 band names for 2 bands/],
    ['EPSG code out of range', { crs: { kind: 'epsg', code: 1, geographic: false } }, /not a valid GeoTIFF CRS code/],
    ['a proj4 string given as WKT', { crs: { kind: 'wkt', wkt: '+proj=longlat +datum=WGS84', geographic: true } }, /not WKT/],
    ['singular transform', { transform: [0, 0, 0, 0, 0, 0] }, /non-zero pixel sizes/],
    ['unknown compression', { compression: 'lzw' as never }, /compression "lzw" is not supported/],
    ['DEFLATE level 12', { level: 12 }, /DEFLATE level 12/],
    ['RGB on one band', { bands: 1, photometric: 'rgb' }, /RGB needs at least three bands/],
  ] as const)('%s', (_, over, message) => {
    let err: unknown;
    try { make(over as Partial<CogWriterOptions>)(); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect((err as SatError).message).toMatch(message);
    expect((err as SatError).hint).toBeTruthy();
  });

  it('absurd sizes are AbsurdSizeError', () => {
    expect(make({ width: 2 ** 31 })).toThrow(AbsurdSizeError);
    expect(make({ width: 2 ** 30, height: 2 ** 30, tileSize: 16 })).toThrow(AbsurdSizeError);
  });

  it('a tile of the wrong type, length, index or a repeat is refused, and the writer can still finish', async () => {
    const d = fresh('tiles');
    const w = createCogWriter(join(d, 't.tif'), { ...o, bands: 1, width: 20, height: 16 });
    await expect(w.writeTile(0, 0, [new Float32Array(256)])).rejects.toThrow(/Float32Array; the file is int16/);
    await expect(w.writeTile(0, 0, [new Int16Array(10)])).rejects.toThrow(/expected 16×16 or 16×16/);
    await expect(w.writeTile(0, 0, [])).rejects.toThrow(/0 bands; the file has 1/);
    await expect(w.writeTile(2, 0, [new Int16Array(256)])).rejects.toThrow(/outside the 2×1 tile grid/);
    await w.writeTile(0, 0, [new Int16Array(256)]);
    await expect(w.writeTile(0, 0, [new Int16Array(256)])).rejects.toThrow(/already written/);
    await w.writeTile(1, 0, [new Int16Array(4 * 16)]);
    await w.finish();
    await expect(w.writeTile(1, 0, [new Int16Array(64)])).rejects.toThrow(/already finished/);
    expect(readdirSync(d)).toEqual(['t.tif']);
  });

  it('finishing with tiles missing fails, names the first one and leaves nothing behind', async () => {
    const d = fresh('missing');
    const w = createCogWriter(join(d, 'm.tif'), o);
    await w.writeTile(0, 0, [new Int16Array(256), new Int16Array(256)]);
    await expect(w.finish()).rejects.toThrow(/19 of 20 tiles were never written \(the first is \(1, 0\)\)/);
    expect(readdirSync(d)).toEqual([]);
  });

  it('fillMissing fills unwritten tiles with nodata', async () => {
    const d = fresh('fill');
    const w = createCogWriter(join(d, 'f.tif'), { ...o, bands: 1, fillMissing: true });
    await w.writeTile(1, 1, [new Int16Array(256).fill(7)]);
    await w.finish();
    const tiff = await fromFile(join(d, 'f.tif'));
    const px = (await (await tiff.getImage()).readRasters()) as unknown as Int16Array[];
    tiff.close();
    expect([px[0][0], px[0][16 * 70 + 16], px[0][49 * 70 + 69]]).toEqual([-9, 7, -9]);
  });

  it('a folder that does not exist is an IO_ERROR naming the path', () => {
    let err: unknown;
    try { createCogWriter(join(root, 'no', 'such', 'dir', 'x.tif'), o); } catch (e) { err = e; }
    expect((err as SatError).code).toBe('IO_ERROR');
    expect((err as SatError).message).toMatch(/no\/such\/dir\/x\.tif.*ENOENT/);
  });
});

describe('cancel and atomic replacement', () => {
  it('aborting midway throws CancelledError, leaves no temporary file and keeps the old target intact', async () => {
    const d = fresh('cancel');
    const target = join(d, 'out.tif');
    writeFileSync(target, 'previous version');
    const ac = new AbortController();
    const w = createCogWriter(target, { ...o, signal: ac.signal });
    await w.writeTile(0, 0, [new Int16Array(256), new Int16Array(256)]);
    expect(readdirSync(d).length).toBeGreaterThan(1); // the per-level spools exist while writing
    ac.abort();
    await expect(w.writeTile(1, 0, [new Int16Array(256), new Int16Array(256)])).rejects.toBeInstanceOf(CancelledError);
    expect(readdirSync(d)).toEqual(['out.tif']);
    expect(readFileSync(target, 'utf8')).toBe('previous version');
  });

  it('cancel during finish (assembly) also cleans up', async () => {
    const d = fresh('cancel-finish');
    const ac = new AbortController();
    const w = createCogWriter(join(d, 'out.tif'), { ...o, signal: ac.signal, onProgress: (p) => { if (p.phase === 'assemble') ac.abort(); } });
    for (let r = 0; r < w.tilesDown; r++) for (let c = 0; c < w.tilesAcross; c++) await w.writeTile(c, r, [new Int16Array(256), new Int16Array(256)]);
    await expect(w.finish()).rejects.toBeInstanceOf(CancelledError);
    expect(readdirSync(d)).toEqual([]);
  });

  it('abort() discards everything and later calls say the writer was cancelled', async () => {
    const d = fresh('abort');
    const w = createCogWriter(join(d, 'out.tif'), o);
    await w.writeTile(0, 0, [new Int16Array(256), new Int16Array(256)]);
    await w.abort();
    expect(readdirSync(d)).toEqual([]);
    await expect(w.finish()).rejects.toBeInstanceOf(CancelledError);
  });

  it('temporary files can live in another folder (tempDir); the result is still renamed into place', async () => {
    const d = fresh('tempdir');
    const t = fresh('tempdir-spool');
    const seen: number[] = [];
    const w = createCogWriter(join(d, 'out.tif'), { ...o, tempDir: t, onProgress: (p) => { if (p.phase === 'tiles') seen.push(readdirSync(t).length); } });
    for (let r = 0; r < w.tilesDown; r++) for (let c = 0; c < w.tilesAcross; c++) await w.writeTile(c, r, [new Int16Array(256), new Int16Array(256)]);
    await w.finish();
    expect(seen[0]).toBe(w.levels.length);
    expect(readdirSync(t)).toEqual([]);
    expect(readdirSync(d)).toEqual(['out.tif']);
  });
});
