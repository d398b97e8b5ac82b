import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { float16ToFloat32, float32ToFloat16 } from '../../../src/engine/nn/fp16';
import type { FeatureCache, FeatureSet } from '../../../src/engine/store/featureCache';
import { MemoryFeatureCache } from '../../../src/engine/store/featureCacheMemory';
import { canonicalJson, featureKey, hashWindowPixels } from '../../../src/engine/store/featureKey';
import { openStore, type Store } from '../../../src/engine/store/store';
import { openSqlite } from '../../../src/engine/store/sqlite';
import { syntheticFeatures } from './fixtures/features';

/** The bytes of exactly this view (a row's tensors are views of one array). */
const bytesOf = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

const fp16 = (a: Float32Array) => float16ToFloat32(float32ToFloat16(a));

function expectSameAsFp16(got: FeatureSet | null, want: FeatureSet) {
  expect(got).not.toBeNull();
  expect(got!.map((t) => [t.name, t.shape])).toEqual(want.map((t) => [t.name, [...t.shape]]));
  for (let i = 0; i < want.length; i++) expect(bytesOf(got![i].data).equals(bytesOf(fp16(want[i].data)))).toBe(true);
}

let stores: Store[] = [];
let dirs: string[] = [];
afterEach(() => {
  stores.forEach((s) => s.close());
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
  stores = [];
  dirs = [];
});

let clock = 1_000;
const impls: Record<string, () => FeatureCache> = {
  memory: () => new MemoryFeatureCache(),
  'sqlite fp16': () => {
    const s = openStore(':memory:', { now: () => clock });
    stores.push(s);
    return s.cache;
  },
  'sqlite fp16+deflate': () => {
    const s = openStore(':memory:', { codec: 'fp16+deflate', now: () => clock });
    stores.push(s);
    return s.cache;
  },
};

for (const [name, make] of Object.entries(impls)) {
  describe(`FeatureCache (${name})`, () => {
    it('round-trips features exactly as their fp16 rounding', () => {
      const c = make();
      const f = syntheticFeatures(3);
      expect(c.get('a')).toBeNull();
      c.put('a', f, { backbone: 'bb' });
      expect(c.has('a')).toBe(true);
      expectSameAsFp16(c.get('a'), f);
      const s = c.stats();
      expect([s.entries, s.hits, s.misses]).toEqual([1, 1, 1]);
      expect(s.byBackbone).toEqual([{ backbone: 'bb', entries: 1, bytes: s.bytes }]);
      if (name !== 'sqlite fp16+deflate') expect(s.bytes).toBe(f.reduce((n, t) => n + t.data.length * 2, 0));
    });

    it('evicts the least recently used rows beyond the cap', () => {
      const c = make();
      const one = 2 * syntheticFeatures(0).reduce((n, t) => n + t.data.length, 0);
      c.setCapBytes(name.includes('deflate') ? 1e12 : one * 3);
      for (const k of ['a', 'b', 'c']) {
        clock += 10;
        c.put(k, syntheticFeatures(k.charCodeAt(0)), { backbone: 'bb' });
      }
      clock += 10;
      c.get('a'); // a becomes the most recently used; b is now the oldest
      if (name.includes('deflate')) c.setCapBytes(c.stats().bytes - 1);
      else {
        clock += 10;
        c.put('d', syntheticFeatures(100), { backbone: 'bb' });
      }
      expect(c.has('b')).toBe(false);
      expect(c.has('a')).toBe(true);
      expect(c.has('c')).toBe(true);
      expect(c.stats().evicted).toBe(1);
      c.setCapBytes(0);
      expect(c.stats().entries).toBe(0);
    });

    it('clears one backbone or everything', () => {
      const c = make();
      c.put('a', syntheticFeatures(1), { backbone: 'x' });
      c.put('b', syntheticFeatures(2), { backbone: 'y' });
      c.indexWindow('src', '0,0,256,256', 'settings', 'a');
      expect(c.lookupWindow('src', '0,0,256,256', 'settings')).toBe('a');
      expect(c.clear('x')).toBe(1);
      expect([c.has('a'), c.has('b')]).toEqual([false, true]);
      expect(c.clear()).toBe(1);
      expect(c.stats().entries).toBe(0);
      expect(c.lookupWindow('src', '0,0,256,256', 'settings')).toBeNull();
    });
  });
}

describe('SqliteFeatureCache integrity', () => {
  function fileStore() {
    const dir = mkdtempSync(join(tmpdir(), 'sdf-cache-'));
    dirs.push(dir);
    const path = join(dir, 'store.sqlite');
    const s = openStore(path);
    stores.push(s);
    return { s, path };
  }

  it('drops a row whose blob was altered, counts it, and lets the caller recompute', () => {
    const { s, path } = fileStore();
    s.cache.put('flip', syntheticFeatures(1), { backbone: 'bb' });
    s.cache.put('trunc', syntheticFeatures(2), { backbone: 'bb' });
    s.cache.put('shape', syntheticFeatures(3), { backbone: 'bb' });
    s.cache.put('json', syntheticFeatures(4), { backbone: 'bb' });
    const raw = openSqlite(path);
    // A flipped byte in the middle of the blob (as bit rot would), a truncated blob (a torn write), a shape
    // that no longer matches the bytes, and unreadable tensor metadata.
    raw.prepare("UPDATE feature_cache SET data = substr(data, 1, 100) || x'ff' || substr(data, 102) WHERE key = 'flip'").run();
    raw.prepare("UPDATE feature_cache SET data = substr(data, 1, length(data) / 2) WHERE key = 'trunc'").run();
    raw.prepare(`UPDATE feature_cache SET tensors = '[{"name":"x","shape":[3,3]}]' WHERE key = 'shape'`).run();
    raw.prepare("UPDATE feature_cache SET tensors = '[{not json' WHERE key = 'json'").run();
    raw.close();
    for (const k of ['flip', 'trunc', 'shape', 'json']) expect(s.cache.get(k)).toBeNull();
    expect(s.cache.stats().corruptDropped).toBe(4);
    expect(s.cache.stats().entries).toBe(0);
    const again = syntheticFeatures(1);
    s.cache.put('flip', again, { backbone: 'bb' });
    expectSameAsFp16(s.cache.get('flip'), again);
  });

  it('deflate codec actually compresses realistic (smooth) features', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sdf-cache-'));
    dirs.push(dir);
    const a = openStore(join(dir, 'a.sqlite'));
    const b = openStore(join(dir, 'b.sqlite'), { codec: 'fp16+deflate' });
    stores.push(a, b);
    const f = syntheticFeatures(5, 4);
    a.cache.put('k', f, { backbone: 'bb' });
    b.cache.put('k', f, { backbone: 'bb' });
    expect(b.cache.stats().bytes).toBeLessThan(a.cache.stats().bytes * 0.9);
    expectSameAsFp16(b.cache.get('k'), f);
  });

  it('persists the cap and counters across reopen', () => {
    const { s, path } = fileStore();
    s.cache.setCapBytes(12345);
    s.close();
    const again = openStore(path);
    stores.push(again);
    expect(again.cache.stats().capBytes).toBe(12345);
    expect(again.cache.stats().fileBytes).toBeGreaterThan(0);
  });
});

describe('feature keys', () => {
  const base = { contentHash: 'c', bands: [0, 1, 2], normalization: { kind: 'range', min: 0, max: 255 }, backboneId: 'bb', weightsHash: 'w', extraction: { timesteps: [21, 61, 161], tileSize: 256 } };

  it('do not depend on key order in settings, and change with every part', () => {
    const k = featureKey(base);
    expect(featureKey({ ...base, normalization: { max: 255, min: 0, kind: 'range' } })).toBe(k);
    for (const change of [{ contentHash: 'd' }, { bands: [2, 1, 0] }, { normalization: { kind: 'range', min: 0, max: 4095 } }, { backboneId: 'other' }, { weightsHash: 'w2' }, { extraction: { timesteps: [21], tileSize: 256 } }, { extraction: { timesteps: [21, 61, 161], tileSize: 512 } }]) {
      expect(featureKey({ ...base, ...change })).not.toBe(k);
    }
    expect(canonicalJson({ b: [1, { d: 1, c: 2 }], a: null })).toBe('{"a":null,"b":[1,{"c":2,"d":1}]}');
  });

  it('hash pixels by content, valid mask and window size', () => {
    const block = (v: number, valid = 1, w = 2) => ({ width: w, height: 4 / w, dataType: 'uint8', bands: [new Uint8Array([1, 2, 3, v])], valid: new Uint8Array([1, 1, 1, valid]) });
    expect(hashWindowPixels(block(4))).toBe(hashWindowPixels(block(4)));
    expect(hashWindowPixels(block(5))).not.toBe(hashWindowPixels(block(4)));
    expect(hashWindowPixels(block(4, 0))).not.toBe(hashWindowPixels(block(4)));
    expect(hashWindowPixels(block(4, 1, 4))).not.toBe(hashWindowPixels(block(4)));
  });
});

describe('job journal', () => {
  it('resumes the latest unfinished run of the same job, verifies payloads, and frees their space when done', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sdf-journal-'));
    dirs.push(dir);
    const path = join(dir, 'store.sqlite');
    const s = openStore(path);
    stores.push(s);
    const a = s.journal.begin('segment', 'h1', { x: 1 }, 4);
    expect(a.resumed).toBe(false);
    const big = new Uint8Array(4 << 20);
    for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24; // incompressible-ish
    s.journal.finishUnit(a.id, 0, big, [{ name: 'band', payload: new Uint8Array([1, 2, 3]) }]);
    s.journal.finishUnit(a.id, 1, big, [{ name: 'band', payload: new Uint8Array([4, 5]) }]);
    s.journal.setStatus(a.id, 'cancelled');
    expect(s.journal.findUnfinished('segment', 'h1')).toEqual({ id: a.id, doneUnits: 2 });
    const b = s.journal.begin('segment', 'h1', { x: 1 }, 4);
    expect(b).toEqual({ id: a.id, resumed: true, doneUnits: new Set([0, 1]) });
    expect(Buffer.from(s.journal.state(a.id, 'band')!)).toEqual(Buffer.from([4, 5]));
    expect(Buffer.from(s.journal.unitPayload(a.id, 1)!).equals(Buffer.from(big))).toBe(true);
    expect(s.journal.begin('segment', 'other', {}, 4).id).not.toBe(a.id);
    const raw = openSqlite(path);
    raw.prepare('UPDATE job_units SET payload = substr(payload, 1, 100) WHERE unit = 0').run();
    raw.close();
    expect(() => s.journal.unitPayload(a.id, 0)).toThrow(/checksum/);
    const pages = () => { const d = openSqlite(path, { readonly: true }); const n = d.pragma('page_count', { simple: true }) as number; d.close(); return n; };
    const before = pages();
    s.journal.dropPayloads(a.id);
    expect(pages()).toBeLessThan(before / 2);
    expect(s.journal.doneUnits(a.id)).toEqual(new Set([0, 1]));
  });
});
