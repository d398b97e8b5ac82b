import { describe, expect, it } from 'vitest';
import { blockUnits, splitHoldout } from '../../../../src/engine/heads/labels/holdout';
import { IGNORE_INDEX } from '../../../../src/engine/heads/metrics';
import { createRng } from '../../../../src/engine/heads/random';

interface Rect { x: number; y: number; w: number; h: number; cls: number }

function paint(rects: Rect[], width: number, height: number) {
  const labels = new Uint8Array(width * height).fill(IGNORE_INDEX);
  const unitOf = new Int32Array(width * height).fill(-1);
  rects.forEach((r, u) => {
    for (let y = r.y; y < r.y + r.h; y++) for (let x = r.x; x < r.x + r.w; x++) {
      labels[y * width + x] = r.cls;
      unitOf[y * width + x] = u;
    }
  });
  return { labels, unitOf };
}

/** Chessboard distance between two rectangles (0 when they touch or overlap... touching = 1 step apart). */
function rectDistance(a: Rect, b: Rect): number {
  const dx = Math.max(0, b.x - (a.x + a.w - 1), a.x - (b.x + b.w - 1));
  const dy = Math.max(0, b.y - (a.y + a.h - 1), a.y - (b.y + b.h - 1));
  return Math.max(dx, dy);
}

/** Brute-force check: no training pixel within `buffer` chessboard steps of a holdout pixel. */
function minTrainHoldoutDistance(train: Uint8Array, holdout: Uint8Array, width: number): number {
  const t: [number, number][] = [];
  const h: [number, number][] = [];
  train.forEach((v, i) => v !== IGNORE_INDEX && t.push([i % width, Math.floor(i / width)]));
  holdout.forEach((v, i) => v !== IGNORE_INDEX && h.push([i % width, Math.floor(i / width)]));
  let best = Infinity;
  for (const [ax, ay] of t) for (const [bx, by] of h) best = Math.min(best, Math.max(Math.abs(ax - bx), Math.abs(ay - by)));
  return best;
}

describe('splitHoldout', () => {
  it('keeps polygons closer than the buffer together and separates the sides by more than the buffer', () => {
    // two classes, 5 well separated squares each, plus a pair of class-0 squares 3 px apart (must stay together)
    const rects: Rect[] = [];
    for (let i = 0; i < 5; i++) rects.push({ x: 4 + i * 24, y: 4, w: 6, h: 6, cls: 0 }, { x: 4 + i * 24, y: 40, w: 6, h: 6, cls: 1 });
    rects.push({ x: 4, y: 80, w: 6, h: 6, cls: 0 }, { x: 13, y: 80, w: 6, h: 6, cls: 0 });
    const W = 130, H = 100;
    const { labels, unitOf } = paint(rects, W, H);
    for (let seed = 0; seed < 10; seed++) {
      const s = splitHoldout(labels, unitOf, W, H, 2, { fraction: 0.2, bufferPx: 8, seed });
      expect(s.holdoutUnits.has(10)).toBe(s.holdoutUnits.has(11));
      expect(s.groups).toBe(11);
      expect(minTrainHoldoutDistance(s.train, s.holdout, W)).toBeGreaterThan(8);
      // 6 class-0 groups → round(1.2) = 1 held; 5 class-1 groups → 1 held
      const heldGroupsOfClass = (c: number) => new Set([...s.holdoutUnits].filter((u) => rects[u]!.cls === c).map((u) => (u === 11 ? 10 : u))).size;
      expect(heldGroupsOfClass(0)).toBe(1);
      expect(heldGroupsOfClass(1)).toBe(1);
      // every labelled pixel is on exactly one side (nothing was buffered out: groups are > 8 px apart)
      expect(s.bufferedOut).toBe(0);
      labels.forEach((v, i) => {
        if (v === IGNORE_INDEX) return;
        expect((s.train[i] !== IGNORE_INDEX ? 1 : 0) + (s.holdout[i] !== IGNORE_INDEX ? 1 : 0)).toBe(1);
      });
    }
  });

  it('is deterministic for a seed and varies with it', () => {
    const rects: Rect[] = Array.from({ length: 20 }, (_, i) => ({ x: (i % 5) * 20, y: Math.floor(i / 5) * 20, w: 5, h: 5, cls: i % 2 }));
    const { labels, unitOf } = paint(rects, 100, 80);
    const a = splitHoldout(labels, unitOf, 100, 80, 2, { seed: 1 });
    const b = splitHoldout(labels, unitOf, 100, 80, 2, { seed: 1 });
    expect([...a.holdoutUnits]).toEqual([...b.holdoutUnits]);
    const picks = new Set<string>();
    for (let seed = 0; seed < 8; seed++) picks.add([...splitHoldout(labels, unitOf, 100, 80, 2, { seed }).holdoutUnits].sort().join(','));
    expect(picks.size).toBeGreaterThan(1);
    expect(a.holdoutUnits.size).toBe(4); // 10 per class × 0.2
  });

  it('groups exactly the units within the buffer (transitively), as brute force says', () => {
    const rng = createRng(7);
    for (let trial = 0; trial < 20; trial++) {
      const W = 60, H = 60, buffer = 1 + rng.int(8);
      const rects: Rect[] = [];
      const occupied = new Uint8Array(W * H);
      while (rects.length < 12) {
        const r = { x: rng.int(W - 4), y: rng.int(H - 4), w: 1 + rng.int(4), h: 1 + rng.int(4), cls: rng.int(2) };
        let free = true;
        for (let y = r.y; y < r.y + r.h; y++) for (let x = r.x; x < r.x + r.w; x++) if (occupied[y * W + x]) free = false;
        if (!free) continue;
        for (let y = r.y; y < r.y + r.h; y++) for (let x = r.x; x < r.x + r.w; x++) occupied[y * W + x] = 1;
        rects.push(r);
      }
      // components of "distance ≤ buffer"
      const comp = rects.map((_, i) => i);
      const root = (i: number): number => (comp[i] === i ? i : (comp[i] = root(comp[i]!)));
      for (let i = 0; i < rects.length; i++) for (let j = i + 1; j < rects.length; j++) {
        if (rectDistance(rects[i]!, rects[j]!) <= buffer) comp[root(j)] = root(i);
      }
      const expected = new Set(rects.map((_, i) => root(i))).size;
      const { labels, unitOf } = paint(rects, W, H);
      const s = splitHoldout(labels, unitOf, W, H, 2, { bufferPx: buffer, seed: trial });
      expect(s.groups).toBe(expected);
      for (let i = 0; i < rects.length; i++) for (let j = 0; j < rects.length; j++) {
        if (root(i) === root(j)) expect(s.holdoutUnits.has(i)).toBe(s.holdoutUnits.has(j));
      }
      if (s.holdoutUnits.size > 0) expect(minTrainHoldoutDistance(s.train, s.holdout, W)).toBeGreaterThan(buffer);
    }
  });

  it('cuts a buffer of ignore between touching blocks of a dense label raster', () => {
    const W = 64, H = 64;
    const labels = new Uint8Array(W * H).map((_, i) => ((i % W) < 32 ? 0 : 1));
    const s = splitHoldout(labels, blockUnits(labels, W, H, 16), W, H, 2, { bufferPx: 4, groupNearby: false, seed: 3 });
    expect(s.holdoutUnits.size).toBe(2 + 2); // 8 blocks per class × 0.2 → 2 each
    expect(s.bufferedOut).toBeGreaterThan(0);
    expect(minTrainHoldoutDistance(s.train, s.holdout, W)).toBe(5);
  });

  it('reports a class with a single polygon as unscored and keeps it for training', () => {
    const rects: Rect[] = [{ x: 0, y: 0, w: 3, h: 3, cls: 0 }, { x: 20, y: 0, w: 3, h: 3, cls: 0 }, { x: 40, y: 0, w: 3, h: 3, cls: 1 }];
    const { labels, unitOf } = paint(rects, 50, 5);
    const s = splitHoldout(labels, unitOf, 50, 5, 2, { seed: 0 });
    expect(s.unscoredClasses).toEqual([1]);
    expect(s.holdoutUnits.has(2)).toBe(false);
    expect(s.holdoutUnits.size).toBe(1);
  });

  it('rejects a fraction outside (0, 1)', () => {
    const { labels, unitOf } = paint([{ x: 0, y: 0, w: 2, h: 2, cls: 0 }], 4, 4);
    expect(() => splitHoldout(labels, unitOf, 4, 4, 1, { fraction: 1 })).toThrow(/between 0 and 1/);
  });
});
