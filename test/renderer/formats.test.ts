// Status-bar formatting and label bookkeeping, against hand-computed values.
import { describe, expect, it } from 'vitest';
import { formatArea, formatDms, formatLength, formatScale, mapScale } from '../../src/renderer/map/measureFormat';
import { distinctValues, labelCounts, planLabelImport } from '../../src/renderer/state/labelImport';
import { aoiAreaM2 } from '../../src/renderer/state/analysisOps';
import { lossChartPaths } from '../../src/renderer/components/LossChart';
import { hex, nextClassId, parseHex } from '../../src/renderer/state/project';

describe('status bar formats', () => {
  it('scale uses the OGC 0.28 mm pixel', () => {
    expect(mapScale(28, 1)).toBeCloseTo(100_000, 6);
    expect(formatScale(100_004)).toBe('1:100,000');
    expect(formatScale(512.4)).toBe('1:512');
  });
  it('lengths, areas and DMS', () => {
    expect(formatLength(999.994)).toBe('999.99 m');
    expect(formatLength(12345)).toBe('12.345 km');
    expect(formatArea(5000)).toBe('5000.0 m²');
    expect(formatArea(25_000)).toBe('2.500 ha');
    expect(formatArea(3_250_000)).toBe('3.2500 km²');
    expect(formatDms(-7.99537, 'lat')).toBe(`7°59'43.33"S`);
    expect(formatDms(-34.8713, 'lon')).toBe(`34°52'16.68"W`);
    expect(formatDms(10.9999999, 'lon')).toBe(`11°00'00.00"E`);
  });
});

describe('labels', () => {
  const poly = (x: number, s: number) => ({ type: 'Polygon' as const, coordinates: [[[x, 0], [x + s, 0], [x + s, s], [x, s], [x, 0]] as [number, number][]] });
  it('counts polygons and area per class, holes subtracted', () => {
    const holed = { type: 'Polygon' as const, coordinates: [[[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]], [[2, 2], [4, 2], [4, 4], [2, 4], [2, 2]]] as [number, number][][] };
    const c = labelCounts([{ id: 'a', classId: 1, geometry: poly(0, 2) }, { id: 'b', classId: 1, geometry: holed }, { id: 'c', classId: 2, geometry: poly(0, 3) }]);
    expect(c.get(1)).toEqual({ count: 2, area: 4 + 96 });
    expect(c.get(2)).toEqual({ count: 1, area: 9 });
    expect(aoiAreaM2({ crs: 'EPSG:3857', geometry: holed }, 1)).toBe(96);
  });
  it('maps attribute values to classes by name and creates new ones', () => {
    const features = [
      { type: 'Feature' as const, properties: { cls: 'Water' }, geometry: poly(0, 1) },
      { type: 'Feature' as const, properties: { cls: 'forest' }, geometry: poly(1, 1) },
      { type: 'Feature' as const, properties: { cls: 'Forest' }, geometry: poly(2, 1) },
      { type: 'Feature' as const, properties: { cls: null }, geometry: poly(3, 1) },
      { type: 'Feature' as const, properties: { cls: 'Water' }, geometry: { type: 'Point', coordinates: [0, 0] } },
    ];
    const plan = planLabelImport(features, 'cls', [{ id: 0, name: 'water', color: [0, 0, 255] }], 0);
    expect(plan.labels.map((l) => l.classId)).toEqual([0, 1, 1]);
    expect(plan.newClasses.map((c) => [c.id, c.name])).toEqual([[1, 'forest']]);
    expect(plan.skipped).toBe(2);
    expect(distinctValues(features, 'cls')).toEqual(['forest', 'Forest', 'Water']);
  });
  it('colours and ids', () => {
    expect(hex([255, 8, 0])).toBe('#ff0800');
    expect(parseHex('#FF0800')).toEqual([255, 8, 0]);
    expect(nextClassId([{ id: 0, name: '', color: [0, 0, 0] }, { id: 2, name: '', color: [0, 0, 0] }])).toBe(1);
  });
});

describe('loss chart', () => {
  it('scales steps to the width and losses to the height, switching to log when they span decades', () => {
    const pts = [{ epoch: 1, step: 0, trainLoss: 2, holdoutLoss: null, learningRate: 0.01 }, { epoch: 2, step: 10, trainLoss: 1, holdoutLoss: 1.5, learningRate: 0.01 }];
    const p = lossChartPaths(pts, 100, 50);
    expect(p.train).toBe('M0.0,0.0L100.0,50.0');
    expect(p.holdout).toBe('M100.0,25.0');
    expect(p.log).toBe(false);
    const wide = lossChartPaths([{ ...pts[0]!, trainLoss: 100 }, { ...pts[1]!, trainLoss: 1, holdoutLoss: null }], 100, 50);
    expect(wide.log).toBe(true);
    expect(wide.train).toBe('M0.0,0.0L100.0,50.0');
    // A holdout-only point (no training step yet) draws on the holdout line only.
    const early = lossChartPaths([{ epoch: 0, step: 0, trainLoss: null, holdoutLoss: 2, learningRate: 0 }, ...pts], 100, 50);
    expect(early.train).toBe('M0.0,0.0L100.0,50.0');
    expect(early.holdout).toBe('M0.0,0.0L100.0,25.0');
  });
});
