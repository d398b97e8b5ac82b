// Bad input gets typed errors that say what is wrong; reads stay ranged; cancellation works.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isSatError } from '../../../src/shared/errors';
import { FileByteSource } from '../../../src/engine/raster/byteSource';
import { openRaster } from '../../../src/engine/raster/open';
import { openTiff } from '../../../src/engine/raster/tiff/tiffSource';
import { sampleScene } from '../../helpers/shared';
import { cleanup, hasGdalPython, makeRaster, tempDir } from './fixtures';
import { setNextIfd, setTagValue } from './tiffPatch';

afterAll(cleanup);

async function openError(path: string): Promise<{ code: string; message: string; hint?: string }> {
  try {
    const src = await openRaster(path);
    await src.read({ window: { x: 0, y: 0, width: 8, height: 8 } });
    await src.close();
  } catch (e) {
    expect(isSatError(e), `not a SatError: ${String(e)}`).toBe(true);
    const s = e as { code: string; message: string; hint?: string };
    return { code: s.code, message: s.message, hint: s.hint };
  }
  throw new Error(`${path} opened and read without error`);
}

function write(name: string, bytes: Uint8Array | string): string {
  const p = join(tempDir(), name);
  writeFileSync(p, bytes);
  return p;
}

describe('bad input', () => {
  it('missing file, folder, empty file, text file', async () => {
    expect((await openError(join(tempDir(), 'nope.tif'))).code).toBe('FILE_NOT_FOUND');
    const dir = join(tempDir(), 'a-folder.tif');
    mkdirSync(dir, { recursive: true });
    expect((await openError(dir)).code).toBe('INVALID_ARGUMENT');
    expect((await openError(write('empty.tif', new Uint8Array(0)))).code).toBe('CORRUPT_RASTER');
    const text = await openError(write('notes.tif', 'hello, this is not a raster'));
    expect(text.code).toBe('UNSUPPORTED_RASTER');
    expect(text.hint).toMatch(/gdal_translate/);
  });

  it('truncated copies of the sample scene', async () => {
    const bytes = readFileSync(sampleScene);
    for (const n of [4, 8, 100, 1000, Math.floor(bytes.length / 2)]) {
      const e = await openError(write(`trunc-${n}.tif`, bytes.subarray(0, n)));
      expect(e.code, `truncated at ${n}`).toBe('CORRUPT_RASTER');
    }
    // The last bytes hold the smallest overview: the file still opens, without that overview, and says why.
    const src = await openRaster(write('trunc-last.tif', bytes.subarray(0, bytes.length - 1)));
    expect(src.info.overviews.length).toBe(3);
    expect(src.info.notes.join(' ')).toMatch(/overview #\d+ ignored/);
    await src.read({ window: { x: 0, y: 0, width: 349, height: 352 } });
    await src.close();
  });

  it('a cyclic IFD chain is refused, not followed forever', async () => {
    const bytes = readFileSync(sampleScene);
    const ifd = new DataView(bytes.buffer, bytes.byteOffset).getUint32(4, true);
    const e = await openError(write('cycle.tif', setNextIfd(bytes, ifd)));
    expect(e.code).toBe('CORRUPT_RASTER');
    expect(e.message).toMatch(/loops/);
  });

  it('corrupt tags: zero or huge size, block byte counts beyond the file, unknown compression, odd bit depth', async () => {
    const bytes = readFileSync(sampleScene);
    const cases: [string, Uint8Array, string, RegExp][] = [
      ['width0', setTagValue(bytes, 256, 0), 'CORRUPT_RASTER', /size/],
      ['widthHuge', setTagValue(bytes, 256, 0xffff), 'CORRUPT_RASTER', /does not decompress|bytes, \d+ expected/],
      ['jpeg2000', setTagValue(bytes, 259, 34712), 'UNSUPPORTED_RASTER', /JP2000/],
      ['ccitt', setTagValue(bytes, 259, 3), 'UNSUPPORTED_RASTER', /CCITTFAX3/],
      ['bits12', setTagValue(bytes, 258, 12), 'UNSUPPORTED_RASTER', /bit depths \(12, 8/],
    ];
    for (const [name, b, code, msg] of cases) {
      const e = await openError(write(`${name}.tif`, b));
      expect(e.code, name).toBe(code);
      expect(e.message, name).toMatch(msg);
    }
  });

  it('bad read requests get INVALID_ARGUMENT; a huge output ABSURD_SIZE', async () => {
    const src = await openRaster(sampleScene);
    const bad = [
      { window: { x: 0.5, y: 0, width: 4, height: 4 } },
      { window: { x: 0, y: 0, width: 0, height: 4 } },
      { window: { x: 0, y: 0, width: 4, height: 4 }, bands: [6] },
      { window: { x: 0, y: 0, width: 4, height: 4 }, overview: 5 },
      { window: { x: 0, y: 0, width: 4, height: 4 }, outWidth: -1 },
      { window: { x: 0, y: 0, width: 4, height: 4 }, resampling: 'cubic' as never },
    ];
    for (const req of bad) {
      await expect(src.read(req), JSON.stringify(req)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    }
    await expect(src.read({ window: { x: 0, y: 0, width: 100000, height: 100000 } })).rejects.toMatchObject({ code: 'ABSURD_SIZE' });
    await src.close();
    await expect(src.read({ window: { x: 0, y: 0, width: 4, height: 4 } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('an aborted signal cancels open and read with CANCELLED', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(openRaster(sampleScene, { signal: ac.signal })).rejects.toMatchObject({ code: 'CANCELLED' });
    const src = await openRaster(sampleScene);
    await expect(src.read({ window: { x: 0, y: 0, width: 10, height: 10 }, signal: ac.signal })).rejects.toMatchObject({ code: 'CANCELLED' });
    await src.close();
  });
});

describe.skipIf(!hasGdalPython)('ranged access', () => {
  it('a small window of a large tiled raster reads a small fraction of the file', async () => {
    const path = makeRaster({ width: 2048, height: 2048, bands: 3, dtype: 'uint16', co: ['TILED=YES', 'BLOCKXSIZE=256', 'BLOCKYSIZE=256', 'COMPRESS=DEFLATE'] });
    const source = await FileByteSource.open(path);
    const src = await openTiff(source);
    const afterOpen = source.bytesRead;
    await src.read({ window: { x: 1030, y: 1030, width: 100, height: 100 } });
    // One 256×256 tile of the 64 holds this window.
    expect(source.bytesRead - afterOpen).toBeLessThan(source.size / 32);
    expect(source.bytesRead).toBeLessThan(source.size / 16);
    await src.close();
  });
});

describe.skipIf(!hasGdalPython)('corrupt tiled layout', () => {
  it('a tiled file whose width claims more tiles than it lists is refused at open', async () => {
    const path = makeRaster({ width: 64, height: 64, bands: 1, dtype: 'uint8', co: ['TILED=YES', 'BLOCKXSIZE=32', 'BLOCKYSIZE=32'] });
    const bytes = setTagValue(readFileSync(path), 256, 0x7fffffff);
    const e = await openError(write('tiled-huge.tif', bytes));
    expect(e.code).toBe('CORRUPT_RASTER');
    expect(e.message).toMatch(/needs \d+ blocks/);
  });

  it('a 4 GB tile byte count is refused before any read or allocation', async () => {
    const path = makeRaster({ width: 64, height: 64, bands: 1, dtype: 'uint8', co: ['TILED=YES', 'BLOCKXSIZE=32', 'BLOCKYSIZE=32'] });
    const e = await openError(write('bytecount4G.tif', setTagValue(readFileSync(path), 325, 0xfffffff0)));
    expect(e.code).toBe('CORRUPT_RASTER');
    expect(e.message).toMatch(/points at bytes/);
  });
});
