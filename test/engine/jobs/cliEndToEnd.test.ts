// The main job end to end as a user runs it: train a light head on the bundled scene's label polygons (the
// pixels backbone, so it takes seconds), then `satdifuser segment` with it; GDAL reads the outputs back on
// the scene's exact grid, and a second run is served from the feature cache.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
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
});
