// fs.list: folders first, kinds by extension, hidden files skipped, filters, and clear errors.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listDirectory } from '../../src/engine/api/files';

const dir = mkdtempSync(join(tmpdir(), 'sdf-fs-'));
mkdirSync(join(dir, 'zeta'));
for (const n of ['b.tif', 'a.GeoJSON', 'c.sdfproj', 'notes.txt', '.hidden.tif', 'd.shp', 'd.dbf']) writeFileSync(join(dir, n), 'x');
const places = { home: dir, sampleDir: null, dataDir: join(dir, 'data') };

describe('fs.list', () => {
  it('lists folders first, then files by name, with their kind', async () => {
    const l = await listDirectory(dir, null, places);
    expect(l.entries.map((e) => [e.name, e.kind])).toEqual([
      ['zeta', 'directory'], ['a.GeoJSON', 'vector'], ['b.tif', 'raster'], ['c.sdfproj', 'project'], ['d.dbf', 'other'], ['d.shp', 'vector'], ['notes.txt', 'other'],
    ]);
    expect(l.parent).toBe(join(dir, '..'));
    expect(l.entries.find((e) => e.name === 'b.tif')!.size).toBe(1);
  });

  it('filters by kind but always keeps folders', async () => {
    const l = await listDirectory(dir, ['raster'], places);
    expect(l.entries.map((e) => e.name)).toEqual(['zeta', 'b.tif']);
  });

  it('says what is wrong with a missing folder or a file', async () => {
    await expect(listDirectory(join(dir, 'nope'), null, places)).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
    await expect(listDirectory(join(dir, 'b.tif'), null, places)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
