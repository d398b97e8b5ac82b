// Projects: atomic save, relative layer paths, open, validation with the field named, autosave recovery.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ProjectDocument } from '../../src/shared/contract';
import { ProjectStore } from '../../src/engine/api/projects';

function doc(over: Partial<ProjectDocument> = {}): ProjectDocument {
  return {
    format: 'satdifuser-project', version: 1, name: 'Olinda', crs: 'EPSG:31985', view: { center: [1, 2], resolution: 28.5, rotation: 0 },
    layers: [], classes: [{ id: 0, name: 'Água', color: [0, 0, 255] }, { id: 1, name: 'Urban', color: [255, 0, 0] }],
    labels: { crs: 'EPSG:31985', features: [{ id: 'a', classId: 1, geometry: { type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 1], [0, 0]]] } }] },
    aoi: null, analysis: { backboneId: null, headId: null, fusion: 'gw', tileSize: 256, overlap: 32 }, ...over,
  };
}

const tmp = () => mkdtempSync(join(tmpdir(), 'sdf-proj-'));

describe('project save and open', () => {
  it('round-trips the document, stores layer paths relative to the project, and leaves no temp file', async () => {
    const root = tmp();
    mkdirSync(join(root, 'imagery'));
    const store = new ProjectStore(join(root, 'data'));
    const raster = join(root, 'imagery', 'scene.tif');
    const d = doc({ layers: [{ kind: 'raster', id: 'L1', name: 'scene', path: raster, visible: true, opacity: 0.5, style: { mode: 'rgb', bands: [2, 1, 0], stretch: { kind: 'percentile', ranges: [[1, 2], [3, 4], [5, 6]] }, nodataTransparent: true } }] });
    const saved = await store.save(join(root, 'proj'), d);
    expect(saved.path).toBe(join(root, 'proj.sdfproj'));
    const onDisk = JSON.parse(readFileSync(saved.path, 'utf8'));
    expect(onDisk.layers[0].path).toBe('imagery/scene.tif');
    expect(readdirSync(root).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    const opened = await store.open(saved.path);
    expect(opened.document).toEqual(d);
    expect(opened.recovery).toBeNull();
    expect(await store.recent()).toEqual([saved.path]);
  });

  it('refuses documents that are not valid, naming what is wrong', async () => {
    const root = tmp();
    const store = new ProjectStore(join(root, 'data'));
    const p = join(root, 'x.sdfproj');
    await expect(store.save(p, { ...doc(), version: 2 })).rejects.toThrow(/version 2 is not supported/);
    await expect(store.save(p, doc({ classes: [{ id: 1, name: 'a', color: [0, 0, 0] }, { id: 1, name: 'b', color: [0, 0, 0] }] }))).rejects.toThrow(/class id 1 is used twice/);
    await expect(store.save(p, doc({ labels: { crs: 'EPSG:4326', features: [{ id: 'a', classId: 9, geometry: { type: 'Polygon', coordinates: [] } }] } }))).rejects.toThrow(/label 1 refers to a class that does not exist/);
    await expect(store.save(join(root, 'x.txt'), doc())).rejects.toThrow(/must end in \.sdfproj/);
    expect(existsSync(p)).toBe(false);
    writeFileSync(p, '{ not json');
    await expect(store.open(p)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/not valid JSON/) });
    await expect(store.open(join(root, 'missing.sdfproj'))).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });

  it('a failed save keeps the previous file intact', async () => {
    const root = tmp();
    const store = new ProjectStore(join(root, 'data'));
    const p = join(root, 'keep.sdfproj');
    await store.save(p, doc({ name: 'first' }));
    await expect(store.save(p, { ...doc(), layers: 'nope' })).rejects.toThrow();
    expect(JSON.parse(readFileSync(p, 'utf8')).name).toBe('first');
  });
});

describe('autosave and recovery', () => {
  it('offers an autosave newer than the file when the project is opened, and a save clears it', async () => {
    const root = tmp();
    const store = new ProjectStore(join(root, 'data'));
    const p = join(root, 'p.sdfproj');
    await store.save(p, doc({ name: 'saved' }));
    const old = new Date(Date.now() - 60_000);
    utimesSync(p, old, old);
    const entry = await store.autosave(p, doc({ name: 'edited' }));
    const opened = await store.open(p);
    expect(opened.document.name).toBe('saved');
    expect(opened.recovery?.key).toBe(entry.key);
    expect((await store.recover(entry.key)).document.name).toBe('edited');
    await store.save(p, doc({ name: 'saved again' }));
    expect(await store.recoveryList()).toEqual([]);
  });

  it('keeps an untitled session recoverable after a crash (a new store over the same folder)', async () => {
    const root = tmp();
    await new ProjectStore(join(root, 'data')).autosave(null, doc({ name: 'unsaved work' }));
    const after = new ProjectStore(join(root, 'data'));
    const list = await after.recoveryList();
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ projectPath: null, name: 'unsaved work' });
    expect(await after.discardRecovery(list[0]!.key)).toBe(true);
    expect(await after.recoveryList()).toEqual([]);
  });

  it('ignores a damaged recovery file and rejects keys that are not recovery keys', async () => {
    const root = tmp();
    const store = new ProjectStore(join(root, 'data'));
    mkdirSync(join(root, 'data', 'recovery'), { recursive: true });
    writeFileSync(join(root, 'data', 'recovery', 'aaaaaaaaaaaaaaaaaaaa.json'), '{"document": 1');
    expect(await store.recoveryList()).toEqual([]);
    await expect(store.recover('../../etc/passwd')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
