import { describe, expect, it } from 'vitest';
import { gridPlan, gridTransform, runClassification, softmax, estimateClassification, type ClassifyJob, type ClassifyJobResult } from '../../../src/engine/jobs/classify';
import { MemoryFeatureCache } from '../../../src/engine/store/featureCacheMemory';
import { openStore } from '../../../src/engine/store/store';
import { identityExtractor, meanClassifier, memoryRaster, passThroughPreparer } from './fakes';

// A raster of 3 × 2 blocks of 40 px, each block a constant level near one class centre; grid cells of 40 px
// (tile 48, overlap 8) see one block each plus 4 px of context, so each cell's class is known by hand.
const levels = [[0.2, 0.5, 0.8], [0.8, 0.2, 0.5]];
const W = 120, H = 80;
function blocks(): Float32Array {
  const f = new Float32Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) f[y * W + x] = levels[Math.floor(y / 40)][Math.floor(x / 40)];
  return f;
}

function job(over: Partial<ClassifyJob> = {}): ClassifyJob {
  const store = openStore(':memory:');
  return {
    source: memoryRaster(W, H, [blocks()]), sourceFingerprint: 'blocks', box: { x: 0, y: 0, width: W, height: H },
    preparer: passThroughPreparer([0]), extractor: identityExtractor(48), head: meanClassifier(), mode: 'grid', overlap: 8,
    journal: store.journal, cache: new MemoryFeatureCache(), ...over,
  };
}

const ok = (o: { status: string; result?: ClassifyJobResult }) => {
  if (o.status !== 'succeeded') throw new Error(JSON.stringify(o));
  return o.result!;
};

describe('classification', () => {
  it('grid: one label per cell, centred tiles, a scene-label geotransform', async () => {
    const plan = gridPlan({ x: 0, y: 0, width: W, height: H }, 48, 8);
    expect([plan.cols, plan.rows, plan.stride]).toEqual([3, 2, 40]);
    expect(plan.tile(0, 1).window).toEqual({ x: 36, y: -4, width: 48, height: 48 });
    const r = ok(await runClassification(job()));
    const g = r.grid!;
    // The tile of a cell sees 40 px of its block and 4 px of each neighbour (or nodata past the edge): the
    // mean stays nearest the block's own centre.
    expect(Array.from(g.labels)).toEqual([0, 1, 2, 2, 0, 1]);
    expect(g.transform).toEqual([500000, 400, 0, 4000000, 0, -400]);
    expect(gridTransform([10, 2, 0, 20, 0, -2], { x: 5, y: 3, width: 1, height: 1 }, 4)).toEqual([20, 8, 0, 14, 0, -8]);
    for (let i = 0; i < 6; i++) {
      let s = 0;
      for (let c = 0; c < 3; c++) s += g.probabilities[c * 6 + i];
      expect(s).toBeCloseTo(1, 5);
    }
  });

  it('aoi: the whole box averaged to one tile gets one label with its probabilities', async () => {
    const src = memoryRaster(W, H, [new Float32Array(W * H).fill(0.48)]);
    const r = ok(await runClassification(job({ source: src, mode: 'aoi' })));
    expect(r.label!.classId).toBe(1);
    const expected = softmax([0.2, 0.5, 0.8].map((c) => -50 * (0.48 - c) ** 2));
    r.label!.probabilities.forEach((p, i) => expect(p).toBeCloseTo(expected[i], 3));
  });

  it('resumes a cancelled grid without redoing finished cells; estimates count cached cells', async () => {
    const j = job();
    const ac = new AbortController();
    const first = identityExtractor(48);
    const extract = first.extract;
    first.extract = async (t) => { const r = await extract(t); if (first.calls >= 2) ac.abort(); return r; };
    const o = await runClassification({ ...j, batchSize: 1, extractor: first }, { signal: ac.signal });
    expect(o.status).toBe('cancelled');
    const ex = identityExtractor(48);
    const est = await estimateClassification({ ...j, batchSize: 1, extractor: ex });
    expect(est.resumedTiles).toBeGreaterThanOrEqual(2);
    expect(est.cachedTiles).toBeGreaterThanOrEqual(2);
    const r = ok(await runClassification({ ...j, batchSize: 1, extractor: ex }));
    expect(ex.tiles).toBe(6 - est.resumedTiles - (est.cachedTiles - est.resumedTiles)); // done cells skipped, cached ones not re-extracted
    expect(Array.from(r.grid!.labels)).toEqual([0, 1, 2, 2, 0, 1]);
  });
});
