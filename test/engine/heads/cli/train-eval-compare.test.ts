// The CLI end to end on the bundled sample scene with the pixels backbone (no model needed): train two heads on
// the 21 label polygons, score them with `eval --json` (the exact keys of the issue), compare them (table +
// disagreement GeoTIFF that GDAL reads on the scene's grid), and the refusals a user meets.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sampleScene } from '../../../helpers/shared';

const labels = resolve('test/fixtures/heads/sample_labels.geojson');
const cli = (args: string[]) => spawnSync(process.execPath, ['bin/satdifuser.mjs', ...args], { encoding: 'utf8', timeout: 300_000 });
const gdalinfo = spawnSync('gdalinfo', ['--version']).status === 0;

describe('satdifuser train / eval / compare', () => {
  const dir = mkdtempSync(join(tmpdir(), 'heads-cli-'));
  const manifest = join(dir, 'sample.json');
  writeFileSync(manifest, JSON.stringify([{ raster: sampleScene, labels }]));
  const common = ['--task', 'seg', '--size', 'light', '--backbone', 'pixels', '--raster', sampleScene, '--labels', labels, '--bands', '3,2,1', '--epochs', '1', '--no-cache', '--threads', '1'];

  it('trains heads, scores them on the labels and compares them', () => {
    const gw = cli(['train', '--fusion', 'gw', '--out', join(dir, 'gw'), ...common, '--json']);
    expect(gw.status, gw.stderr).toBe(0);
    const card = JSON.parse(gw.stdout);
    expect(card.spec.fusion).toBe('gw');
    expect(card.backbone).toMatchObject({ id: 'pixels', weightsHash: 'none' });
    expect(card.classes.map((c: { name: string }) => c.name)).toEqual(['water', 'vegetation', 'built-up']);
    expect(card.input.bands).toEqual([2, 1, 0]);
    expect(card.input.gsdMetres[0]).toBeCloseTo(28.5, 1);
    expect(card.training.holdout).toMatch(/polygons of L7_ETMs.tif held out/);
    expect(card.metrics.scored).toBe(card.training.holdoutPixels);
    expect(existsSync(join(dir, 'gw', 'weights.safetensors'))).toBe(true);

    const lw = cli(['train', '--fusion', 'lw', '--out', join(dir, 'lw'), ...common]);
    expect(lw.status, lw.stderr).toBe(0);
    expect(lw.stdout).toMatch(/Saved .* to .*lw/);
    expect(lw.stdout).toMatch(/mIoU %/);

    const ev = cli(['eval', '--head', join(dir, 'gw'), '--dataset', manifest, '--json', '--no-cache']);
    expect(ev.status, ev.stderr).toBe(0);
    const scores = JSON.parse(ev.stdout);
    expect(Object.keys(scores)).toEqual(['mIoU', 'overallAccuracy', 'perClass']);
    expect(Object.keys(scores.perClass)).toEqual(['0', '1', '2']);
    expect(Object.keys(scores.perClass['0'])).toEqual(['iou', 'f1']);
    expect(scores.mIoU).toBeGreaterThan(0);
    expect(scores.mIoU).toBeLessThanOrEqual(1);
    // mIoU is the mean of the per-class IoUs
    const ious = Object.values(scores.perClass).map((c) => (c as { iou: number }).iou);
    expect(scores.mIoU).toBeCloseTo(ious.reduce((a, b) => a + b, 0) / ious.length, 5);

    const cmp = cli(['compare', '--heads', `${join(dir, 'gw')},${join(dir, 'lw')}`, '--dataset', manifest, '--out', dir, '--no-cache']);
    expect(cmp.status, cmp.stderr).toBe(0);
    expect(cmp.stdout).toMatch(/seg-gw-light-pixels/);
    expect(cmp.stdout).toMatch(/% of pixels where the heads disagree/);
    const tif = join(dir, 'L7_ETMs.disagreement.tif');
    expect(existsSync(tif)).toBe(true);
    if (gdalinfo) {
      const info = JSON.parse(spawnSync('gdalinfo', ['-json', '-stats', tif], { encoding: 'utf8' }).stdout);
      const scene = JSON.parse(spawnSync('gdalinfo', ['-json', sampleScene], { encoding: 'utf8' }).stdout);
      expect(info.size).toEqual(scene.size);
      expect(info.geoTransform).toEqual(scene.geoTransform);
      expect(info.bands[0].maximum).toBeLessThanOrEqual(1);
    }
  });

  it('refuses bad invocations with a message that says what to do', () => {
    const missing = cli(['train', '--task', 'seg', '--fusion', 'gw', '--size', 'light', '--out', join(dir, 'x'), '--dataset', manifest]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/--backbone <model> is required/);
    const both = cli(['train', ...common, '--fusion', 'gw', '--out', join(dir, 'y'), '--dataset', manifest]);
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/either --raster and --labels, or --dataset/);
    const badFusion = cli(['train', ...common, '--fusion', 'xyz', '--out', join(dir, 'z')]);
    expect(badFusion.stderr).toMatch(/--fusion gw\|lw\|moe\|concat/);
    const noHead = cli(['eval', '--head', join(dir, 'nope'), '--dataset', manifest]);
    expect(noHead.status).toBe(1);
    expect(noHead.stderr).toMatch(/does not exist/);
    const one = cli(['compare', '--heads', join(dir, 'gw'), '--dataset', manifest]);
    expect(one.stderr).toMatch(/at least two heads/);
    // a head refuses a raster with fewer bands than it reads
    const png = join(dir, 'grey.png');
    writeFileSync(png, readFileSync('test/fixtures/heads/grey8.png'));
    writeFileSync(join(dir, 'grey.json'), JSON.stringify([{ raster: png, labels: join(dir, 'grey_labels.png') }]));
    writeFileSync(join(dir, 'grey_labels.png'), readFileSync('test/fixtures/heads/grey8.png'));
    const bands = cli(['eval', '--head', join(dir, 'gw'), '--dataset', join(dir, 'grey.json'), '--no-cache']);
    expect(bands.status).toBe(1);
    expect(bands.stderr).toMatch(/reads bands 3, 2, 1, but .* has 1 band/);
  });
});
