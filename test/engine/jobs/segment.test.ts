import { describe, expect, it } from 'vitest';
import type { PixelWindow } from '../../../src/shared/geometry';
import type { JobEvent } from '../../../src/shared/jobs';
import { taper1d } from '../../../src/engine/jobs/blendWindow';
import { detectSeams } from '../../../src/engine/jobs/seamCheck';
import { estimateSegmentation, planSegmentation, runSegmentation, type SegmentJob, type SegmentJobResult } from '../../../src/engine/jobs/segment';
import type { SegmentationHead } from '../../../src/engine/jobs/model';
import type { StoredStrip } from '../../../src/engine/jobs/stripCodec';
import { planTiles } from '../../../src/engine/jobs/tilePlan';
import { MemoryFeatureCache } from '../../../src/engine/store/featureCacheMemory';
import { openStore } from '../../../src/engine/store/store';
import { halfToNumber, numberToHalf } from '../../../src/engine/nn/fp16';

/** Features reach heads fp16-rounded (as the cache stores them), so hand-computed answers use that value. */
const h16 = (v: number) => halfToNumber(numberToHalf(v));
import { contextHead, identityExtractor, memoryRaster, passThroughPreparer, pointwiseHead, sceneField, tileIdHead } from './fakes';

interface Collected {
  mask: Uint8Array;
  probs: Float32Array; // quantised probabilities back to [0,1]
  width: number;
  height: number;
}

function job(over: Partial<SegmentJob> & Pick<SegmentJob, 'source' | 'extractor' | 'head'>, sink: { out?: Collected }): SegmentJob {
  const store = openStore(':memory:');
  const box = over.box ?? { x: 0, y: 0, width: over.source.info.width, height: over.source.info.height };
  return {
    sourceFingerprint: 'mem',
    box,
    preparer: passThroughPreparer([0]),
    journal: store.journal,
    cache: new MemoryFeatureCache(),
    timings: store.timings,
    async write(strips: () => Iterable<StoredStrip>) {
      const { info } = over.source;
      const C = over.head.classes.length;
      const mask = new Uint8Array(info.width * info.height).fill(255);
      const probs = new Float32Array(C * info.width * info.height);
      for (const s of strips()) {
        for (let r = 0; r < s.height; r++) {
          mask.set(s.mask.subarray(r * s.width, (r + 1) * s.width), (s.y + r) * info.width + s.x);
          for (let c = 0; c < C; c++) for (let x = 0; x < s.width; x++) probs[c * info.width * info.height + (s.y + r) * info.width + s.x + x] = s.probabilities[c * s.width * s.height + r * s.width + x] / 255;
        }
      }
      sink.out = { mask, probs, width: info.width, height: info.height };
      return { maskPath: 'mem', probabilitiesPath: null, vectorPath: null, featureCount: null };
    },
    ...over,
  };
}

/** The head, except that its n-th predict call throws. */
function failingOnCall(head: SegmentationHead, n: number): SegmentationHead {
  let calls = 0;
  return { ...head, async predict(f, size, signal) {
    if (++calls === n) throw new Error('head exploded');
    return head.predict(f, size, signal);
  } };
}

function succeeded<R>(o: { status: string; result?: R; reason?: unknown }): R {
  if (o.status !== 'succeeded') throw new Error(`job ${o.status}: ${JSON.stringify(o.reason ?? o)}`);
  return o.result as R;
}

describe('blend window', () => {
  it('two neighbours\' weights sum to exactly 1 over their overlap and never reach 0', () => {
    const T = 64, n = 16;
    const left = taper1d(T, 0, n), right = taper1d(T, n, 0);
    for (let d = 0; d < n; d++) expect(left[T - n + d] + right[d]).toBeCloseTo(1, 6);
    expect(Math.min(...left, ...right)).toBeGreaterThan(0);
    expect(left[0]).toBe(1);
    expect(right[T - 1]).toBe(1);
  });
});

describe('tile plan', () => {
  it('covers the box, moves the last tile back, records overlaps and refuses absurd grids', () => {
    const p = planTiles({ x: 10, y: 0, width: 500, height: 100 }, { width: 600, height: 100 }, 128, 16);
    expect(p.xs).toEqual([10, 122, 234, 346, 382]);
    expect(p.ys).toEqual([0]); // a box smaller than a tile: one tile, centred, clamped inside the raster... which here is too small, so at 0
    expect(p.tile(0, 4).overlap).toEqual({ left: 92, right: 0, top: 0, bottom: 0 });
    expect(p.tile(0, 1).overlap).toEqual({ left: 16, right: 16, top: 0, bottom: 0 });
    expect(() => planTiles({ x: 0, y: 0, width: 400_000, height: 400_000 }, { width: 400_000, height: 400_000 }, 256, 32)).toThrow(/tiles/);
    expect(() => planTiles({ x: 0, y: 0, width: 100, height: 100 }, { width: 100, height: 100 }, 256, 128)).toThrow(/half the tile/);
  });
});

describe('segmentation with hand-computable heads', () => {
  const W = 301, H = 233;
  const field = sceneField(W, H);

  it('a pointwise head gives exactly the per-pixel answer over the whole scene, nodata and AOI respected', async () => {
    const f = Float32Array.from(field);
    for (let x = 40; x < 60; x++) for (let y = 100; y < 110; y++) f[y * W + x] = -1; // a nodata hole
    const head = pointwiseHead();
    const sink: { out?: Collected } = {};
    const box: PixelWindow = { x: 5, y: 7, width: 280, height: 200 };
    // AOI: a disc inside the box
    const inDisc = (x: number, y: number) => (x + 0.5 - 150) ** 2 + (y + 0.5 - 110) ** 2 < 90 ** 2;
    const aoiMask = (w: PixelWindow) => {
      const m = new Uint8Array(w.width * w.height);
      for (let y = 0; y < w.height; y++) for (let x = 0; x < w.width; x++) m[y * w.width + x] = inDisc(w.x + x, w.y + y) ? 1 : 0;
      return m;
    };
    const src = memoryRaster(W, H, [f], { nodata: -1 });
    const r = succeeded<SegmentJobResult>(await runSegmentation(job({ source: src, extractor: identityExtractor(64), head, box, aoiMask, overlap: 8, batchSize: 3 }, sink)));
    const { mask, probs } = sink.out!;
    let checked = 0;
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      const i = y * W + x;
      const inside = x >= box.x && x < box.x + box.width && y >= box.y && y < box.y + box.height && inDisc(x, y) && f[i] !== -1;
      if (!inside) {
        expect(mask[i]).toBe(255);
        continue;
      }
      const l = head.logitsAt(h16(f[i]));
      const best = l.indexOf(Math.max(...l));
      expect(mask[i]).toBe(best);
      const e = l.map((v) => Math.exp(v - Math.max(...l)));
      const s = e.reduce((a, b) => a + b);
      for (let c = 0; c < 3; c++) expect(Math.abs(probs[c * W * H + i] - e[c] / s)).toBeLessThanOrEqual(0.5 / 255 + 1e-6);
      checked++;
    }
    expect(checked).toBeGreaterThan(20_000);
    expect(Object.values(r.pixelsPerClass).reduce((a, b) => a + b, 0)).toBe(checked);
  });

  it('blends constant-per-tile logits exactly as the taper formula says', async () => {
    // band 1 holds each pixel's tile id under the tile centres; a tile's logit for class 0 is its id
    const T = 32, ov = 8;
    const plan = planTiles({ x: 0, y: 0, width: 80, height: 32 }, { width: 80, height: 32 }, T, ov);
    const ids = new Float32Array(80 * 32);
    plan.xs.forEach((x, c) => (ids[16 * 80 + x + 16] = c + 1));
    const src = memoryRaster(80, 32, [new Float32Array(80 * 32).fill(0.5), ids]);
    const sink: { out?: Collected } = {};
    succeeded(await runSegmentation(job({ source: src, extractor: identityExtractor(T, 2), head: tileIdHead(), preparer: passThroughPreparer([0, 1]), overlap: ov }, sink)));
    // plan.xs = [0, 24, 48]: overlaps [24,32) and [48,56) of 8 px each
    expect(plan.xs).toEqual([0, 24, 48]);
    const p0 = (x: number) => sink.out!.probs[5 * 80 + x]; // probability of class 0 in row 5
    const expected = (x: number) => {
      let l: number;
      if (x < 24) l = 1;
      else if (x < 32) { const w = taper1d(T, 0, ov)[x]; l = (1 * w + 2 * (1 - w)); }
      else if (x < 48) l = 2;
      else if (x < 56) { const w = taper1d(T, ov, ov)[x - 24]; l = (2 * w + 3 * (1 - w)); }
      else l = 3;
      return 1 / (1 + Math.exp(-l)); // softmax of [l, 0]
    };
    for (let x = 0; x < 80; x++) expect(Math.abs(p0(x) - expected(x))).toBeLessThanOrEqual(0.5 / 255 + 1e-6);
    // and the blend actually varies inside the overlap (a hard cut would jump from 1 to 2)
    expect(new Set(Array.from({ length: 8 }, (_, k) => Math.round(sink.out!.probs[5 * 80 + 24 + k] * 1e6))).size).toBeGreaterThan(1);
  });

  it('tile by tile equals one large window within tolerance, and has no seams (a hard cut does)', async () => {
    const S = 256;
    const f = sceneField(S, S, 2);
    const src = memoryRaster(S, S, [f]);
    const head = contextHead(3);
    const whole: { out?: Collected } = {};
    succeeded(await runSegmentation(job({ source: src, extractor: identityExtractor(S), head }, whole)));
    const tiled: { out?: Collected } = {};
    const T = 64, ov = 16;
    succeeded(await runSegmentation(job({ source: src, extractor: identityExtractor(T), head, overlap: ov }, tiled)));
    const hard: { out?: Collected } = {};
    succeeded(await runSegmentation(job({ source: src, extractor: identityExtractor(T), head, overlap: 0 }, hard)));
    // The whole-window run has the zero-padding border effect at the scene edge only; compare inside it.
    let maxDiff = 0, sumDiff = 0, disagree = 0, n = 0;
    for (let y = 4; y < S - 4; y++) for (let x = 4; x < S - 4; x++) {
      const i = y * S + x;
      for (let c = 0; c < 3; c++) { const d = Math.abs(tiled.out!.probs[c * S * S + i] - whole.out!.probs[c * S * S + i]); maxDiff = Math.max(maxDiff, d); sumDiff += d; }
      if (tiled.out!.mask[i] !== whole.out!.mask[i]) disagree++;
      n++;
    }
    // Differences come only from the head's own zero padding within 3 px of a tile edge, where the taper
    // gives that tile a weight below 0.06; the whole-window mask is reproduced almost everywhere.
    expect(maxDiff).toBeLessThan(0.06);
    expect(sumDiff / (3 * n)).toBeLessThan(0.002);
    expect(disagree / n).toBeLessThan(0.002);
    const plan = planTiles({ x: 0, y: 0, width: S, height: S }, { width: S, height: S }, T, ov);
    const edges = (ps: readonly number[]) => ps.flatMap((p) => [p, p + T]);
    const p1 = (o: Collected) => o.probs.subarray(S * S, 2 * S * S);
    const blended = detectSeams(p1(tiled.out!), S, S, edges(plan.xs), edges(plan.ys));
    const hardPlan = planTiles({ x: 0, y: 0, width: S, height: S }, { width: S, height: S }, T, 0);
    const cut = detectSeams(p1(hard.out!), S, S, edges(hardPlan.xs), edges(hardPlan.ys));
    expect(cut.worstRatio).toBeGreaterThan(3); // the detector can fail...
    expect(blended.worstRatio).toBeLessThan(2); // ...and the blended stitch passes it
  });

  it('estimates, reports progress and uses the cache on a second run, with the same output bytes', async () => {
    const src = memoryRaster(W, H, [field]);
    const store = openStore(':memory:');
    const cache = new MemoryFeatureCache();
    const ex = identityExtractor(64);
    const events: JobEvent<SegmentJobResult>[] = [];
    const first: { out?: Collected } = {};
    const base = job({ source: src, extractor: ex, head: pointwiseHead(), overlap: 8, cache, journal: store.journal, timings: store.timings, outputId: 'a', batchSize: 4 }, first);
    const est = await estimateSegmentation(base);
    expect(est.tiles).toBe(6 * 5); // ceil((301−64)/56)+1 columns, ceil((233−64)/56)+1 rows
    expect(est.cachedTiles).toBe(0);
    expect(est.timingSource).toBe('nominal');
    expect(est.expectedSeconds).toBeCloseTo(30 * 0.5, 6);
    expect(est.areaKm2).toBeCloseTo((W * H * 100) / 1e6, 9);
    const r1 = succeeded<SegmentJobResult>(await runSegmentation(base, { onEvent: (e) => events.push(e) }));
    expect(r1.extractedTiles).toBe(30);
    expect(events[0].type).toBe('estimate');
    const progress = events.filter((e) => e.type === 'progress').map((e) => (e as { progress: { done: number; total: number } }).progress);
    expect(progress.at(-1)).toMatchObject({ done: 30, total: 30 });
    expect(progress.map((p) => p.done)).toEqual([...progress.map((p) => p.done)].sort((a, b) => a - b));
    expect(events.at(-1)!.type).toBe('outcome');
    const est2 = await estimateSegmentation({ ...base, outputId: 'b' });
    expect(est2.cachedTiles).toBe(30);
    expect(est2.timingSource).toBe('measured');
    // Warm runs decode the cached tiles into buffers recycled from batch to batch and from job to job: a
    // buffer reused too early (or shared by two tiles of a batch) would change the blended output.
    for (const outputId of ['b', 'c']) {
      const warm: { out?: Collected } = {};
      const r2 = succeeded<SegmentJobResult>(await runSegmentation({ ...base, outputId, write: job({ source: src, extractor: ex, head: pointwiseHead() }, warm).write }));
      expect(r2.cacheHits).toBe(30);
      expect(Buffer.from(warm.out!.mask).equals(Buffer.from(first.out!.mask))).toBe(true);
      expect(Buffer.from(warm.out!.probs.buffer).equals(Buffer.from(first.out!.probs.buffer))).toBe(true);
    }
    expect(ex.tiles).toBe(30); // nothing extracted the second time
  });

  it('cancel → typed cancelled outcome; running again resumes without redoing finished rows and gives the same result', async () => {
    const src = memoryRaster(W, H, [field]);
    const store = openStore(':memory:');
    const ref: { out?: Collected } = {};
    succeeded(await runSegmentation(job({ source: src, extractor: identityExtractor(64), head: contextHead(2), overlap: 16 }, ref)));

    const ex = identityExtractor(64);
    const sink: { out?: Collected } = {};
    const base = job({ source: src, extractor: ex, head: contextHead(2), overlap: 16, journal: store.journal, cache: null }, sink);
    const ac = new AbortController();
    const o1 = await runSegmentation(base, { signal: ac.signal, onEvent: (e) => { if (e.type === 'progress' && e.progress.done >= 12) ac.abort(); } });
    expect(o1.status).toBe('cancelled');
    if (o1.status !== 'cancelled') return;
    expect(o1.resumable).toBe(true);
    expect(sink.out).toBeUndefined();
    const before = ex.tiles;
    const events: JobEvent<SegmentJobResult>[] = [];
    const est = await estimateSegmentation(base);
    expect(est.resumedTiles).toBeGreaterThan(0);
    const r = succeeded<SegmentJobResult>(await runSegmentation(base, { onEvent: (e) => events.push(e) }));
    expect(r.resumedTiles).toBe(est.resumedTiles);
    expect(ex.tiles - before).toBe(est.tiles - est.resumedTiles);
    expect(events.some((e) => e.type === 'warning' && e.warning.code === 'RESUMED')).toBe(true);
    expect(Buffer.from(sink.out!.mask).equals(Buffer.from(ref.out!.mask))).toBe(true);
    expect(Buffer.from(sink.out!.probs.buffer).equals(Buffer.from(ref.out!.probs.buffer))).toBe(true);
  });

  it('a run that fails mid-way keeps the rows it finished (journalled on the way out, not every row), and the rerun resumes to the same bytes', async () => {
    const src = memoryRaster(W, H, [field]);
    const ref: { out?: Collected } = {};
    succeeded(await runSegmentation(job({ source: src, extractor: identityExtractor(64), head: contextHead(2), overlap: 16 }, ref)));
    const store = openStore(':memory:');
    const writes: number[] = [];
    const journal = Object.assign(Object.create(store.journal) as typeof store.journal, {
      finishUnits: (id: string, units: readonly { unit: number; payload: Uint8Array | null }[], state: readonly { name: string; payload: Uint8Array }[] = []) => {
        writes.push(units.length);
        store.journal.finishUnits(id, units, state);
      },
    });
    const good = contextHead(2);
    const flaky = failingOnCall(good, 9);
    const sink: { out?: Collected } = {};
    const base = job({ source: src, extractor: identityExtractor(64), head: flaky, overlap: 16, journal, cache: null, batchSize: 2, journalIntervalMs: 60_000 }, sink);
    const o = await runSegmentation(base);
    expect(o.status).toBe('failed');
    // Two tiles per head call: the 9th call fails in row floor(8 / calls per row); the rows before it were
    // finished, and reached the journal in one write, on the way out (the interval never came).
    const plan = planSegmentation(base);
    const finishedRows = Math.floor(8 / Math.ceil(plan.cols / 2));
    expect(finishedRows).toBe(2); // 6 columns, 3 calls per row
    expect(writes).toEqual([finishedRows]);
    const est = await estimateSegmentation({ ...base, head: good });
    expect(est.resumedTiles).toBe(finishedRows * plan.cols);
    const r = succeeded<SegmentJobResult>(await runSegmentation({ ...base, head: good }));
    expect(r.resumedTiles).toBe(est.resumedTiles);
    expect(Buffer.from(sink.out!.mask).equals(Buffer.from(ref.out!.mask))).toBe(true);
    expect(Buffer.from(sink.out!.probs.buffer).equals(Buffer.from(ref.out!.probs.buffer))).toBe(true);
  });

  it('a journalled blend band that is damaged or from the wrong position restarts the job from the first row, to the same bytes', async () => {
    const src = memoryRaster(W, H, [field]);
    const ref: { out?: Collected } = {};
    succeeded(await runSegmentation(job({ source: src, extractor: identityExtractor(64), head: contextHead(2), overlap: 16 }, ref)));
    const damages: ((band: Buffer) => Uint8Array)[] = [
      () => new Uint8Array([1, 2, 3]), // truncated: not even a header
      (band) => {
        const moved = new Uint8Array(band);
        new Int32Array(moved.buffer, 0, 1)[0] += 1; // a band one row lower than the rows finished say
        return moved;
      },
    ];
    for (const damage of damages) {
      const store = openStore(':memory:');
      const good = contextHead(2);
      const flaky = failingOnCall(good, 9);
      const sink: { out?: Collected } = {};
      const base = job({ source: src, extractor: identityExtractor(64), head: flaky, overlap: 16, journal: store.journal, cache: null, batchSize: 2 }, sink);
      expect((await runSegmentation(base)).status).toBe('failed');
      const journal = Object.assign(Object.create(store.journal) as typeof store.journal, {
        state: (id: string, name: string) => {
          const b = store.journal.state(id, name);
          return name === 'band' && b ? Buffer.from(damage(b)) : b;
        },
      });
      const r = succeeded<SegmentJobResult>(await runSegmentation({ ...base, head: good, journal }));
      expect(r.resumedTiles).toBe(0);
      expect(Buffer.from(sink.out!.mask).equals(Buffer.from(ref.out!.mask))).toBe(true);
      expect(Buffer.from(sink.out!.probs.buffer).equals(Buffer.from(ref.out!.probs.buffer))).toBe(true);
    }
  });

  it('a failing head ends in a failed outcome carrying the reason; a bad overlap fails before starting', async () => {
    const src = memoryRaster(64, 64, [sceneField(64, 64)]);
    const bad = { ...pointwiseHead(), async predict(): Promise<Float32Array[]> { throw new Error('head exploded'); } };
    const o = await runSegmentation(job({ source: src, extractor: identityExtractor(32), head: bad }, {}));
    expect(o.status).toBe('failed');
    if (o.status === 'failed') expect(o.reason.message).toContain('head exploded');
    const o2 = await runSegmentation(job({ source: src, extractor: identityExtractor(32), head: pointwiseHead(), overlap: 20 }, {}));
    expect(o2.status).toBe('failed');
    if (o2.status === 'failed') expect(o2.reason.code).toBe('INVALID_ARGUMENT');
  });
});
