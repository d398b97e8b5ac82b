// The training estimate: the tile/crop/step plan worked out by hand on small label rasters, and train.estimate on
// the sample scene before and after a run (the step cost it reports after the run is the one that run measured).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/api/engine';
import { planTraining } from '../../src/engine/api/trainPlan';
import { composeEstimate, headCost, tileFeatureBytes } from '../../src/engine/api/trainEstimate';
import { diffusionSatLayout } from '../../src/engine/heads/spec';
import type { TapLayout } from '../../src/engine/heads/spec';
import { sampleScene } from '../helpers/shared';

const IGNORE = 255;
function labelsWith(width: number, height: number, rects: [number, number, number, number][]): Uint8Array {
  const a = new Uint8Array(width * height).fill(IGNORE);
  for (const [x0, y0, x1, y1] of rects) for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) a[y * width + x] = 1;
  return a;
}

describe('planTraining', () => {
  it('counts labelled tiles and the 128-px crops of sparse labels (crop offsets every stride pixels)', () => {
    // 300×200 px, 256-px tiles → tiles at x 0 and 256 on one row. Two 10×10 squares, one per tile: sparse.
    const labels = labelsWith(300, 200, [[10, 10, 20, 20], [270, 5, 280, 15]]);
    const p = planTraining(labels, labels, { width: 300, height: 200, tile: 256, stride: 32, recipeBatch: 8 });
    expect(p.tiles).toBe(2);
    expect(p.trainPixels).toBe(200);
    expect(p.crop).toBe(128);
    // Only the crop at offset (0, 0) of each tile holds a label (the next offset, 32, starts past pixel 19 / 23).
    expect(p.samples).toBe(2);
    expect(p.batch).toBe(2);
    expect(p.stepsPerEpoch).toBe(8); // floor(2 / 2) = 1, raised to the minimum of 8
  });

  it('a label reaching across crop offsets is in every crop that overlaps it; held-out tiles count for features only', () => {
    // Label x 100..139 in the first tile: crops at x 0, 32, 64, 96, 128 overlap it (ox ≤ 139, ox + 128 > 100, ox ≤ 128), one in y.
    const all = labelsWith(512, 256, [[100, 0, 140, 10], [300, 0, 310, 10]]);
    const train = labelsWith(512, 256, [[100, 0, 140, 10]]);
    const p = planTraining(all, train, { width: 512, height: 256, tile: 256, stride: 32, recipeBatch: 8 });
    expect(p.tiles).toBe(2);
    expect(p.crop).toBe(128);
    expect(p.samples).toBe(5);
    expect(p.batch).toBe(5);
  });

  it('trains on whole tiles when labels are dense or the tile is small', () => {
    const full = labelsWith(192, 128, [[0, 0, 192, 128]]);
    const p = planTraining(full, full, { width: 192, height: 128, tile: 64, stride: 8, recipeBatch: 8 });
    expect(p.tiles).toBe(6);
    expect(p.crop).toBe(64);
    expect(p.samples).toBe(6);
    expect(p.batch).toBe(6);
    expect(p.stepsPerEpoch).toBe(8);
    const wide = labelsWith(512, 256, [[0, 0, 300, 256]]);
    const dense = planTraining(wide, wide, { width: 512, height: 256, tile: 256, stride: 32, recipeBatch: 8 });
    expect(dense.trainPixels).toBe(300 * 256);
    expect(dense.crop).toBe(256); // 76800 ≥ 0.25 × 2 × 65536
    const many = labelsWith(2048, 2048, [[0, 0, 2048, 2048]]);
    expect(planTraining(many, many, { width: 2048, height: 2048, tile: 256, stride: 32, recipeBatch: 8 }).stepsPerEpoch).toBe(8); // 64 / 8
    const more = labelsWith(4096, 1024, [[0, 0, 4096, 1024]]);
    expect(planTraining(more, more, { width: 4096, height: 1024, tile: 128, stride: 16, recipeBatch: 8 }).stepsPerEpoch).toBe(32); // 256 / 8
  });

  it('has nothing to train on without labels', () => {
    const none = labelsWith(64, 64, []);
    const p = planTraining(none, none, { width: 64, height: 64, tile: 64, stride: 8, recipeBatch: 8 });
    expect([p.tiles, p.samples, p.stepsPerEpoch]).toEqual([0, 0, 0]);
  });
});

describe('composeEstimate', () => {
  const layout: TapLayout = { tileSize: 64, timesteps: [47, 45], scales: [{ size: 16, taps: [{ channels: 3 } as never] }, { size: 8, taps: [{ channels: 5 } as never] }] };
  const plan = { tiles: 3, trainPixels: 1000, crop: 64, samples: 4, batch: 4, stepsPerEpoch: 8 };

  it('adds Adam state, float16 features per tile and a float32 batch', () => {
    // per tile: (3·16² + 5·8²) values × 2 timesteps × 2 bytes = (768 + 320) × 4 = 4352
    expect(tileFeatureBytes(layout)).toBe(4352);
    const e = composeEstimate(plan, { parameters: 1000, activationBytes: 5000, layout, maxEpochs: 10, extractPerTile: 0.5, extractDevice: 'cpu', measuredStep: 0.2, perByte: null });
    expect(e.memory.optimizerBytes).toBe(16_000);
    expect(e.memory.featureBytes).toBe(3 * 4352);
    expect(e.memory.batchBytes).toBe(4 * 4352 * 2);
    expect(e.memory.activationBytes).toBe(5000);
    expect(e.memory.totalBytes).toBe(16_000 + 3 * 4352 + 8 * 4352 + 5000);
    expect(e.maxSteps).toBe(80);
    expect(e.extractSeconds).toBeCloseTo(1.5, 12);
    expect(e.expectedSeconds).toBeCloseTo(80 * 0.2 + 1.5, 12);
    expect(e.timingSource).toBe('measured');
  });

  it('scales other configurations\' cost by the bytes of a training step, or says it does not know', () => {
    const scaled = composeEstimate(plan, { parameters: 1000, activationBytes: 5000, layout, maxEpochs: 10, extractPerTile: null, extractDevice: 'cpu', measuredStep: null, perByte: 1e-7 });
    expect(scaled.timingSource).toBe('scaled');
    expect(scaled.stepSeconds).toBeCloseTo(1e-7 * 5000, 15);
    expect(scaled.basis).toMatch(/feature extraction not timed/);
    const unknown = composeEstimate(plan, { parameters: 1000, activationBytes: 5000, layout, maxEpochs: 10, extractPerTile: null, extractDevice: 'cpu', measuredStep: null, perByte: null });
    expect(unknown.timingSource).toBe('unknown');
    expect(unknown.expectedSeconds).toBeNull();
    expect(unknown.basis).toMatch(/first run measures it/);
  });
});

describe('headCost', () => {
  const layout = diffusionSatLayout([32, 64, 64, 64], 256);
  const req = { classes: [{ id: 0 }, { id: 1 }, { id: 2 }], fusion: 'gw', size: 'light' } as never;

  it('counts the same parameters at any crop and batch, and step memory nearly in proportion to batch and crop area', () => {
    const a = headCost(req, layout, 128, 2);
    const b = headCost(req, layout, 128, 4);
    const c = headCost(req, layout, 256, 2);
    expect(b.parameters).toBe(a.parameters);
    expect(c.parameters).toBe(a.parameters);
    expect(a.activationBytes).toBeGreaterThan(0);
    // Per-sample maps dominate; parameter-sized gradients and the Adam update do not grow with the batch.
    expect(b.activationBytes / a.activationBytes).toBeGreaterThan(1.8);
    expect(b.activationBytes / a.activationBytes).toBeLessThanOrEqual(2);
    expect(c.activationBytes / a.activationBytes).toBeGreaterThan(3.2);
    expect(c.activationBytes / a.activationBytes).toBeLessThanOrEqual(4);
  });
});

describe('train.estimate on the sample scene', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sdf-test-est-'));
  const engine = createEngine({ host: 'test', dataDir: join(dir, 'data'), sampleScene });
  afterAll(() => engine.dispose());
  const sq = (x: number, y: number, d: number) => ({ type: 'Polygon' as const, coordinates: [[[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]] as [number, number][]] });
  // The scene's origin is (288570, 9120600) with 30 m pixels; these squares lie in the tiles (0,0) and (256,256).
  const labels = {
    crs: 'EPSG:31985',
    features: [
      { id: 'a', classId: 1, geometry: sq(289300, 9119300, 600) }, { id: 'b', classId: 1, geometry: sq(290800, 9119700, 600) },
      { id: 'c', classId: 2, geometry: sq(297300, 9111300, 600) }, { id: 'd', classId: 2, geometry: sq(297700, 9111700, 300) },
    ],
  };
  const classes = [{ id: 0, name: 'Other', color: [128, 128, 128] as [number, number, number] }, { id: 1, name: 'Forest', color: [0, 150, 0] as [number, number, number] }, { id: 2, name: 'Sea', color: [0, 80, 255] as [number, number, number] }];

  it('plans the run before any training, then reports the per-step cost the run measured', async () => {
    const h = await engine['raster.open']({ path: sampleScene });
    const req = { rasterId: h.rasterId, name: 'est', backboneId: 'pixels', fusion: 'gw' as const, size: 'light' as const, classes, labels, holdoutFraction: 0.25, maxEpochs: 2, seed: 3, tileSize: 256, overlap: 32 };
    const before = await engine['train.estimate'](req);
    // Labels at columns 24–74 (tile 0,0) and 290–320, rows 290–310 (tile 256,256): two tiles, sparse → 128-px crops.
    expect(before.tiles).toBe(2);
    expect(before.crop).toBe(128);
    expect(before.timingSource).toBe('unknown');
    expect(before.expectedSeconds).toBeNull();
    expect(before.maxSteps).toBe(before.stepsPerEpoch * 2);
    const t = await engine['train.start'](req);
    const outcome = await engine.jobs.settled(t.jobId);
    expect(outcome?.status, JSON.stringify(outcome)).toBe('succeeded');
    if (outcome?.status !== 'succeeded' || outcome.result.kind !== 'train') throw new Error('no result');
    const card = JSON.parse(readFileSync(join(dir, 'data', 'heads', outcome.result.train.head.id, 'head.json'), 'utf8'));
    // The parameter count built from the spec equals the one counted on the trained weights.
    expect(before.parameters).toBe(card.parameters);
    expect(before.batch).toBe(card.training.batchSize);
    // Two epochs are within the light recipe's patience: the run takes exactly the planned steps.
    expect(card.training.epochs).toBe(2);
    expect(card.training.steps).toBe(before.maxSteps);
    const after = await engine['train.estimate'](req);
    expect(after.timingSource).toBe('measured');
    expect(after.stepSeconds).toBeCloseTo(card.training.elapsedSeconds / card.training.steps, 9);
    expect(after.expectedSeconds).toBeCloseTo(after.stepSeconds! * after.maxSteps + (after.extractSeconds ?? 0), 9);
    // Another fusion on this machine has no own timing yet: scaled from the measured one.
    const lw = await engine['train.estimate']({ ...req, fusion: 'lw' });
    expect(lw.timingSource).toBe('scaled');
    expect(lw.stepSeconds! / after.stepSeconds!).toBeCloseTo(lw.memory.activationBytes / after.memory.activationBytes, 9);
  }, 120_000);
});
