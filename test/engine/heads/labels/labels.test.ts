import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_CLASS_WEIGHT, classHistogram, medianFrequencyWeights } from '../../../../src/engine/heads/labels/classWeights';
import { colourMaskToClassIds } from '../../../../src/engine/heads/labels/colourMask';
import { capPerClass, purePatches } from '../../../../src/engine/heads/labels/patches';
import { parseManifest, readManifest } from '../../../../src/engine/heads/dataset/manifest';
import { IGNORE_INDEX } from '../../../../src/engine/heads/metrics';
import { createRng } from '../../../../src/engine/heads/random';
import { SatError } from '../../../../src/shared/errors';

describe('class weights', () => {
  it('counts pixels per class, skipping ignore', () => {
    const { counts, outOfRange } = classHistogram([0, 0, 1, 255, 2, 2, 2, 7], 3);
    expect(Array.from(counts)).toEqual([2, 1, 3]);
    expect(outOfRange).toBe(1);
  });

  it('balances by median frequency, clamps, and zeroes absent classes', () => {
    // frequencies 0.6, 0.3, 0.1 → median 0.3 → weights 0.5, 1, 3; class 3 absent → 0
    const w = medianFrequencyWeights([600, 300, 100, 0]);
    expect(w[0]).toBeCloseTo(0.5, 6);
    expect(w[1]).toBeCloseTo(1, 6);
    expect(w[2]).toBeCloseTo(3, 6);
    expect(w[3]).toBe(0);
    expect(medianFrequencyWeights([1e6, 1e6, 1])[2]).toBe(MAX_CLASS_WEIGHT);
  });
});

describe('colour masks', () => {
  it('maps exact colours to ids, ignore colours to 255, and counts unknown colours', () => {
    const rgba = [60, 16, 152, 255, 0, 0, 0, 255, 1, 2, 3, 255, 226, 169, 41, 255];
    const r = colourMaskToClassIds(rgba, 4, [{ id: 0, rgb: [60, 16, 152] }, { id: 4, rgb: [226, 169, 41] }, { id: IGNORE_INDEX, rgb: [0, 0, 0] }]);
    expect(Array.from(r.classIds)).toEqual([0, 255, 255, 4]);
    expect(r.unmatched).toBe(1);
    expect(r.unmatchedColours).toEqual(['#010203']);
  });

  it('refuses a colour listed for two classes', () => {
    expect(() => colourMaskToClassIds([0, 0, 0], 3, [{ id: 0, rgb: [0, 0, 0] }, { id: 1, rgb: [0, 0, 0] }])).toThrow(SatError);
  });
});

describe('pure patches', () => {
  it('keeps windows whose dominant class covers the required share, counting ignore against purity', () => {
    // 4×4 raster, 2×2 windows: TL all 0; TR 3×1 + 1×255 (75 %); BL 0,0,0,1 (75 %); BR all 2
    const L = IGNORE_INDEX;
    const labels = Uint8Array.from([0, 0, 1, 1, 0, 0, 1, L, 0, 0, 2, 2, 0, 1, 2, 2]);
    expect(purePatches(labels, 4, 4, 2, 0.9, 3)).toEqual([
      { x: 0, y: 0, size: 2, classId: 0, purity: 1 },
      { x: 2, y: 2, size: 2, classId: 2, purity: 1 },
    ]);
    expect(purePatches(labels, 4, 4, 2, 0.75, 3).map((p) => p.classId)).toEqual([0, 1, 0, 2]);
  });

  it('caps per class deterministically', () => {
    const items = Array.from({ length: 30 }, (_, i) => ({ classId: i % 3, i }));
    const a = capPerClass(items, 4, createRng(5));
    const b = capPerClass(items, 4, createRng(5));
    expect(a).toEqual(b);
    expect([0, 1, 2].map((c) => a.filter((x) => x.classId === c).length)).toEqual([4, 4, 4]);
  });
});

describe('dataset manifest', () => {
  it('reads segmentation entries with paths relative to the manifest and classes.json beside it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'manifest-'));
    writeFileSync(join(dir, 'm.json'), JSON.stringify([{ raster: 'a.tif', labels: 'sub/a.png' }, { raster: '/abs/b.jpg', labels: 'b.png' }]));
    writeFileSync(join(dir, 'classes.json'), JSON.stringify([{ id: 0, name: 'Water', color: '#0000ff' }, { id: 1, name: 'Land' }]));
    const d = readManifest(join(dir, 'm.json'));
    expect(d.task).toBe('seg');
    expect(d.samples[0]).toEqual({ raster: join(dir, 'a.tif'), labels: join(dir, 'sub/a.png') });
    expect(d.samples[1]).toEqual({ raster: '/abs/b.jpg', labels: join(dir, 'b.png') });
    expect(d.classes).toEqual([{ id: 0, name: 'Water', color: '#0000FF' }, { id: 1, name: 'Land', color: expect.stringMatching(/^#[0-9A-F]{6}$/) }]);
  });

  it('reads classification entries with optional windows', () => {
    const d = parseManifest([{ raster: 'a.jpg', class: 2, window: [0, 64, 64, 64] }, { raster: 'b.jpg', class: 0 }], '/data/m.json');
    expect(d.task).toBe('cls');
    expect(d.samples).toEqual([{ raster: '/data/a.jpg', classId: 2, window: { x: 0, y: 64, width: 64, height: 64 } }, { raster: '/data/b.jpg', classId: 0, window: undefined }]);
  });

  it('says what is wrong with a bad manifest', () => {
    expect(() => parseManifest({ raster: 'a' }, 'm.json')).toThrow(/not an array/);
    expect(() => parseManifest([], 'm.json')).toThrow(/no samples/);
    expect(() => parseManifest([{ raster: 'a.tif' }], 'm.json')).toThrow(/entry 0 has no "labels"/);
    expect(() => parseManifest([{ raster: 'a.tif', class: 'x' }], 'm.json')).toThrow(/class "x"/);
    expect(() => parseManifest([{ raster: 'a.tif', class: 1, window: [0, 0, 0, 5] }], 'm.json')).toThrow(/window/);
    expect(() => readManifest('/nonexistent/m.json')).toThrow(/does not exist/);
  });
});
