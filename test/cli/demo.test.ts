// `satdifuser demo` (and `npm run demo`): the main job on a fresh clone. Spawns the CLI as a user runs it, then reads
// every output back with GDAL (gdalinfo -json, ogrinfo) and scores the class mask against the spectral rules the
// sample label polygons were drawn from (tools/default_head/agreement.py, GDAL + numpy, independent of our readers).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleScene } from '../helpers/shared';

const dir = mkdtempSync(join(tmpdir(), 'sdf-demo-'));
const out = join(dir, 'demo out');
const store = join(dir, 'store.sqlite');
const labels = resolve('test/fixtures/heads/sample_labels.geojson');
const gdalJson = (file: string) => JSON.parse(spawnSync('gdalinfo', ['-json', file], { encoding: 'utf8' }).stdout);
let run: { status: number | null; stdout: string; stderr: string };

beforeAll(() => {
  run = spawnSync(process.execPath, ['bin/satdifuser.mjs', 'demo', '--out', out, '--threads', '1'], {
    encoding: 'utf8', env: { ...process.env, SATDIFUSER_STORE: store, SATDIFUSER_FROM_SOURCE: '1' }, timeout: 300_000,
  });
}, 320_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('satdifuser demo', () => {
  it('segments the sample scene with the default backbone and head, and says where, how much and how long', () => {
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/Class mask: +.*classes\.tif/);
    expect(run.stdout).toMatch(/Probabilities: +.*probabilities\.tif/);
    expect(run.stdout).toMatch(/Polygons: +.*polygons\.gpkg \(\d+ polygons\)/);
    // 349 × 352 px of 28.5 m: 122,848 px, 99.78 km²; the three class areas add up to it.
    expect(run.stdout).toContain('Class areas (122,848 px, 99.78 km²)');
    const areas = [...run.stdout.matchAll(/^ {2}(water|vegetation|built-up) +([\d.]+) km² +([\d.]+) %$/gm)];
    expect(areas.map((m) => m[1])).toEqual(['water', 'vegetation', 'built-up']);
    expect(areas.reduce((s, m) => s + Number(m[2]), 0)).toBeCloseTo(99.78, 1);
    expect(run.stdout).toMatch(/4 tiles \(4 extracted, 0 from the feature cache\); done in [\d.]+ s\./);
    expect(run.stderr).toMatch(/Default head: sample-landcover .* on satdifuser-tiny/);
    expect(run.stderr).toMatch(/segment: done in/);
  });

  it('writes a class-mask COG and a probability COG on exactly the sample scene grid', () => {
    const scene = gdalJson(sampleScene);
    for (const [file, bands] of [['classes.tif', 1], ['probabilities.tif', 3]] as const) {
      const g = gdalJson(join(out, file));
      expect(g.size, file).toEqual(scene.size);
      expect(g.geoTransform, file).toEqual(scene.geoTransform);
      expect(g.stac['proj:epsg'], file).toBe(31985);
      expect(g.metadata.IMAGE_STRUCTURE, file).toMatchObject({ COMPRESSION: 'DEFLATE', LAYOUT: 'COG' });
      expect(g.bands, file).toHaveLength(bands);
      expect(g.bands[0].overviews, file).toEqual([{ size: [175, 176] }]);
      expect(g.bands[0].noDataValue, file).toBe(255);
    }
    const mask = gdalJson(join(out, 'classes.tif')).bands[0];
    expect(mask.categories).toEqual(['water', 'vegetation', 'built-up']);
    expect(mask.colorTable.entries.slice(0, 3)).toEqual([[31, 120, 180, 255], [51, 160, 44, 255], [227, 26, 28, 255]]);
    expect(gdalJson(join(out, 'probabilities.tif')).bands.map((b: { description: string }) => b.description)).toEqual(['water', 'vegetation', 'built-up']);
  });

  it('writes the class polygons as a GeoPackage GDAL reads, in the scene CRS, with the attributes', () => {
    const r = spawnSync('ogrinfo', ['-so', '-al', join(out, 'polygons.gpkg')], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const count = Number(/Feature Count: (\d+)/.exec(r.stdout)?.[1]);
    expect(count).toBeGreaterThan(0);
    expect(run.stdout).toContain(`(${count} polygons)`);
    expect(r.stdout).toMatch(/Geometry: (Multi )?Polygon/);
    expect(r.stdout).toMatch(/ID\["EPSG",31985\]/);
    for (const field of ['class_id: Integer', 'class_name: String', 'area: Real', 'mean_prob: Real', 'source: String', 'model: String', 'head: String']) {
      expect(r.stdout).toContain(field);
    }
  });

  it('agrees with the spectral rules the label polygons were drawn from (a broken head fails this)', () => {
    const r = spawnSync('/usr/bin/python3', ['tools/default_head/agreement.py', sampleScene, join(out, 'classes.tif'), labels], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const a = JSON.parse(r.stdout);
    const polygons = a.polygons['sample_labels.geojson'];
    // The majority class of at least 80 % of the 21 polygons is their rule's class (a constant or shuffled mask: ≤ 33 %).
    expect(polygons.majorityCorrect, JSON.stringify(polygons)).toBeGreaterThanOrEqual(0.8);
    // Beyond the polygons: where exactly one rule holds, the mask gives that class more often than not, for every class.
    for (const name of ['water', 'vegetation', 'built-up']) expect(a.rules[name].agree, `${name}: ${JSON.stringify(a.rules)}`).toBeGreaterThan(0.5);
  });
});

describe('satdifuser demo, cancelled', () => {
  it('stops on Ctrl+C (SIGINT) with exit 130 and no partial outputs; the same command then finishes', async () => {
    const out2 = join(dir, 'cancelled');
    const env = { ...process.env, SATDIFUSER_STORE: join(dir, 'cancel.sqlite'), SATDIFUSER_FROM_SOURCE: '1' };
    const child = spawn(process.execPath, ['bin/satdifuser.mjs', 'demo', '--out', out2, '--threads', '1'], { env });
    let stderr = '';
    const exit = new Promise<number | null>((res) => child.on('close', (code) => res(code)));
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
      // Once the job has started (its estimate is printed), interrupt it as a terminal's Ctrl+C does.
      if (/Estimate:/.test(stderr) && !child.killed) child.kill('SIGINT');
    });
    expect(await exit, stderr).toBe(130);
    expect(stderr).toMatch(/Cancelled after \d of 4 tiles/);
    for (const f of ['classes.tif', 'probabilities.tif', 'polygons.gpkg']) expect(existsSync(join(out2, f)), f).toBe(false);
    const again = spawnSync(process.execPath, ['bin/satdifuser.mjs', 'demo', '--out', out2, '--threads', '1'], { encoding: 'utf8', env, timeout: 300_000 });
    expect(again.status, again.stderr).toBe(0);
    expect(existsSync(join(out2, 'classes.tif'))).toBe(true);
  }, 600_000);
});
