// The main job end to end as a user runs it: train a light head on the bundled scene's label polygons (the
// pixels backbone, so it takes seconds), then `satdifuser segment` with it; GDAL reads the outputs back on
// the scene's exact grid, and a second run is served from the feature cache.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sampleScene } from '../../helpers/shared';

const dir = mkdtempSync(join(tmpdir(), 'sdf-e2e-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const store = join(dir, 'store.sqlite');
const cli = (...args: string[]) => spawnSync(process.execPath, ['bin/satdifuser.mjs', ...args], { encoding: 'utf8', env: { ...process.env, SATDIFUSER_STORE: store }, timeout: 300_000 });
const hasGdal = spawnSync('gdalinfo', ['--version']).status === 0;

describe.skipIf(!hasGdal)('satdifuser segment with a trained head', () => {
  it('writes mask, probabilities and GeoPackage on the scene grid; the second run hits the cache', () => {
    const head = join(dir, 'head');
    const t = cli('train', '--task', 'seg', '--fusion', 'gw', '--size', 'light', '--backbone', 'pixels', '--raster', sampleScene,
      '--labels', 'test/fixtures/heads/sample_labels.geojson', '--out', head, '--epochs', '1', '--tile', '128', '--bands', '3,2,1', '--threads', '1');
    expect(t.status, t.stderr).toBe(0);
    const out = (n: string) => join(dir, n);
    const s = cli('segment', sampleScene, '--head', head, '--out', out('mask.tif'), '--probabilities', out('probs.tif'), '--vector', out('classes.gpkg'));
    expect(s.status, s.stderr).toBe(0);
    expect(s.stderr).toMatch(/Estimate: 9 tiles over 99\.\d+ km²/);
    // Training cached the tiles' features it used in the same store; segmentation reuses them.
    const [, hits, extracted] = /9 tiles \((\d+) from the cache, (\d+) extracted\)/.exec(s.stdout)!.map(Number);
    expect(hits + extracted).toBe(9);
    const src = JSON.parse(execFileSync('gdalinfo', ['-json', sampleScene]).toString());
    const mask = JSON.parse(execFileSync('gdalinfo', ['-json', out('mask.tif')]).toString());
    expect(mask.size).toEqual(src.size);
    expect(mask.geoTransform).toEqual(src.geoTransform);
    expect(mask.stac['proj:epsg']).toBe(31985);
    expect(mask.bands[0].categories).toEqual(['water', 'vegetation', 'built-up']);
    const probs = JSON.parse(execFileSync('gdalinfo', ['-json', out('probs.tif')]).toString());
    expect(probs.bands.length).toBe(3);
    const gpkg = execFileSync('ogrinfo', ['-so', '-al', out('classes.gpkg')]).toString();
    expect(gpkg).toMatch(new RegExp(`Feature Count: ${/\((\d+) polygons\)/.exec(s.stdout)![1]}\\b`));
    const again = cli('segment', sampleScene, '--head', head, '--out', out('mask2.tif'));
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/9 tiles \(9 from the cache, 0 extracted\)/);
    const a = execFileSync('gdal_translate', ['-q', '-of', 'AAIGrid', out('mask.tif'), '/vsistdout/']).toString();
    const b = execFileSync('gdal_translate', ['-q', '-of', 'AAIGrid', out('mask2.tif'), '/vsistdout/']).toString();
    expect(b).toBe(a);
  });

  it('classify: one label for the scene, and a scene-label raster on the grid of cells', () => {
    const ds = join(dir, 'cls');
    const manifest: { raster: string; class: number; window: number[] }[] = [];
    for (let y = 0; y + 64 <= 352; y += 32) for (let x = 0; x + 64 <= 349; x += 32) manifest.push({ raster: sampleScene, class: y < 160 ? 0 : 1, window: [x, y, 64, 64] });
    rmSync(ds, { recursive: true, force: true });
    mkdirSync(ds, { recursive: true });
    writeFileSync(join(ds, 'manifest.json'), JSON.stringify(manifest));
    writeFileSync(join(ds, 'classes.json'), JSON.stringify([{ id: 0, name: 'north', color: '#ff0000' }, { id: 1, name: 'sud', color: '#00ff00' }]));
    const t = cli('train', '--task', 'cls', '--fusion', 'gw', '--size', 'light', '--backbone', 'pixels', '--dataset', join(ds, 'manifest.json'), '--out', join(ds, 'head'), '--epochs', '1', '--tile', '64', '--threads', '1');
    expect(t.status, t.stderr).toBe(0);
    const one = cli('classify', sampleScene, '--head', join(ds, 'head'), '--json');
    expect(one.status, one.stderr).toBe(0);
    const j = JSON.parse(one.stdout);
    expect([0, 1]).toContain(j.label.classId);
    expect(j.label.probabilities.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 6);
    const grid = cli('classify', sampleScene, '--head', join(ds, 'head'), '--grid', '--out', join(ds, 'labels.tif'));
    expect(grid.status, grid.stderr).toBe(0);
    const src = JSON.parse(execFileSync('gdalinfo', ['-json', sampleScene]).toString());
    const lab = JSON.parse(execFileSync('gdalinfo', ['-json', join(ds, 'labels.tif')]).toString());
    expect(lab.size).toEqual([Math.ceil(349 / 64), Math.ceil(352 / 64)]);
    const g = src.geoTransform;
    expect(lab.geoTransform).toEqual([g[0], g[1] * 64, g[2], g[3], g[4], g[5] * 64]);
    expect(lab.bands[0].categories).toEqual(['north', 'sud']);
    expect(cli('segment', sampleScene, '--head', join(ds, 'head'), '--out', join(ds, 'm.tif')).stderr).toMatch(/classifies; use it with `satdifuser classify`/);
  });
});
