// Classification end to end on the sample scene with the pixels backbone: windows of open sea vs land (the east
// edge of the scene is ocean), a manifest with windows, train --task cls, eval --json with the classification keys.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sampleScene } from '../../../helpers/shared';

const cli = (args: string[]) => spawnSync(process.execPath, ['bin/satdifuser.mjs', ...args], { encoding: 'utf8', timeout: 300_000 });

describe('satdifuser train --task cls', () => {
  it('trains a linear classifier on windows and scores it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'heads-cls-'));
    // sea: x ≥ 300 in the lower half; land: the north-west quarter
    const sea = [[300, 200], [300, 240], [300, 280], [310, 220], [310, 260], [320, 300]];
    const land = [[10, 10], [60, 20], [110, 30], [20, 80], [70, 90], [120, 100]];
    const entries = [...sea.map(([x, y]) => ({ raster: sampleScene, class: 0, window: [x, y, 24, 24] })), ...land.map(([x, y]) => ({ raster: sampleScene, class: 1, window: [x, y, 24, 24] }))];
    writeFileSync(join(dir, 'cls.json'), JSON.stringify(entries));
    writeFileSync(join(dir, 'classes.json'), JSON.stringify([{ id: 0, name: 'sea', color: '#0000ff' }, { id: 1, name: 'land', color: '#00aa00' }]));
    const t = cli(['train', '--task', 'cls', '--fusion', 'gw', '--size', 'light', '--backbone', 'pixels', '--dataset', join(dir, 'cls.json'), '--out', join(dir, 'head'), '--epochs', '2', '--bands', '3,2,1', '--no-cache', '--threads', '1', '--json']);
    expect(t.status, t.stderr).toBe(0);
    const card = JSON.parse(t.stdout);
    expect(card.spec.task).toBe('cls');
    expect(card.classes.map((c: { name: string }) => c.name)).toEqual(['sea', 'land']);
    expect(card.training.holdout).toMatch(/stratified per class/);
    expect(card.training.samples).toBe(12);
    const e = cli(['eval', '--head', join(dir, 'head'), '--dataset', join(dir, 'cls.json'), '--json', '--no-cache']);
    expect(e.status, e.stderr).toBe(0);
    const s = JSON.parse(e.stdout);
    expect(Object.keys(s)).toEqual(['accuracy', 'macroF1', 'perClass']);
    expect(Object.keys(s.perClass['0'])).toEqual(['f1', 'precision', 'recall']);
    expect(s.accuracy).toBeGreaterThanOrEqual(0);
    expect(s.accuracy).toBeLessThanOrEqual(1);
    // image-level labels from polygons: one sample per polygon (21 sample-scene squares, 16-px windows)
    const poly = cli(['train', '--task', 'cls', '--fusion', 'concat', '--size', 'light', '--backbone', 'pixels', '--raster', sampleScene, '--labels', 'test/fixtures/heads/sample_labels.geojson', '--out', join(dir, 'poly'), '--epochs', '1', '--no-cache', '--threads', '1', '--json']);
    expect(poly.status, poly.stderr).toBe(0);
    const pc = JSON.parse(poly.stdout);
    expect(pc.training.samples).toBe(21);
    expect(pc.classes.map((c: { name: string }) => c.name)).toEqual(['water', 'vegetation', 'built-up']);
    // a classification head cannot segment
    writeFileSync(join(dir, 'seg.json'), JSON.stringify([{ raster: sampleScene, labels: 'x.png' }]));
    const wrong = cli(['eval', '--head', join(dir, 'head'), '--dataset', join(dir, 'seg.json'), '--no-cache']);
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toMatch(/classifies, but the dataset holds segmentation labels/);
  });
});
