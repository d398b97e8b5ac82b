// The pipeline's CLI commands as a user runs them (node bin/satdifuser.mjs): cache stats/clear/cap on a
// real store file, and segment/classify failing with the right typed errors and exit codes.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../../src/engine/store/store';
import { syntheticFeatures } from '../store/fixtures/features';
import { sampleScene } from '../../helpers/shared';

const dir = mkdtempSync(join(tmpdir(), 'sdf-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const store = join(dir, 'store.sqlite');
const cli = (...args: string[]) => spawnSync(process.execPath, ['bin/satdifuser.mjs', ...args], { encoding: 'utf8', env: { ...process.env, SATDIFUSER_STORE: store }, timeout: 60_000 });

describe('satdifuser cache', () => {
  it('stats reports what the store holds; cap evicts; clear empties', () => {
    const s = openStore(store);
    for (let i = 0; i < 3; i++) s.cache.put(`k${i}`, syntheticFeatures(i), { backbone: i < 2 ? 'bb-a' : 'bb-b' });
    const bytes = s.cache.stats().bytes;
    s.close();
    const r = cli('cache', 'stats', '--json');
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ entries: 3, bytes, evicted: 0, corruptDropped: 0, path: store });
    expect(j.byBackbone).toEqual([{ backbone: 'bb-a', entries: 2, bytes: (bytes * 2) / 3 }, { backbone: 'bb-b', entries: 1, bytes: bytes / 3 }]);
    const text = cli('cache', 'stats');
    expect(text.stdout).toMatch(/tiles:\s+3/);
    expect(text.stdout).toMatch(/bb-a: 2 tiles/);
    const cap = cli('cache', 'cap', String((bytes * 2) / 3 / 1024 ** 3));
    expect(cap.status).toBe(0);
    expect(JSON.parse(cli('cache', 'stats', '--json').stdout)).toMatchObject({ entries: 2, evicted: 1 });
    const clear = cli('cache', 'clear', '--backbone', 'bb-b');
    expect(clear.stdout).toMatch(/Removed 1 cached tile of backbone bb-b/);
    expect(cli('cache', 'clear').stdout).toMatch(/Removed 1 cached tile\./);
    expect(JSON.parse(cli('cache', 'stats', '--json').stdout).entries).toBe(0);
    const bad = cli('cache', 'shred');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/Unknown cache command/);
  });
});

describe('satdifuser segment / classify', () => {
  it('checks the arguments first (exit 2), then the files, then says exactly what is missing', () => {
    const noOut = cli('segment', sampleScene);
    expect(noOut.status).toBe(2);
    expect(noOut.stderr).toMatch(/--out <mask.tif> is required/);
    const both = cli('segment', sampleScene, '--out', join(dir, 'm.tif'), '--head', 'h', '--default');
    expect(both.status).toBe(2);
    const badVec = cli('segment', sampleScene, '--out', join(dir, 'm.tif'), '--vector', join(dir, 'x.kml'));
    expect(badVec.status).toBe(2);
    expect(badVec.stderr).toMatch(/\.gpkg.*\.shp.*\.geojson/);
    const missing = cli('segment', join(dir, 'nope.tif'), '--out', join(dir, 'm.tif'));
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/does not exist/);
    const aoi = join(dir, 'far.geojson');
    writeFileSync(aoi, JSON.stringify({ type: 'Polygon', coordinates: [[[10, 50], [10.1, 50], [10.1, 50.1], [10, 50]]] }));
    const outside = cli('segment', sampleScene, '--aoi', aoi, '--out', join(dir, 'm.tif'));
    expect(outside.status).toBe(1);
    expect(outside.stderr).toMatch(/does not overlap/);
    // segment --default runs the shipped head (test/cli/segment.test.ts); no classification head is shipped.
    const cls = cli('classify', sampleScene, '--grid');
    expect(cls.status).toBe(2);
    expect(cli('classify', sampleScene).stderr).toMatch(/no default classification head/);
  });
});
