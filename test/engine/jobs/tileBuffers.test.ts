// Decode buffers lent to jobs: a cached row decodes into the slot it is given, slots are distinct, a slot
// grows and is reused, and the process keeps only a bounded amount between jobs.
import { describe, expect, it } from 'vitest';
import { acquireTileBuffers, releaseTileBuffers, TileBuffers } from '../../../src/engine/jobs/tileBuffers';
import { float16ToFloat32, float32ToFloat16 } from '../../../src/engine/nn/fp16';
import { MemoryFeatureCache } from '../../../src/engine/store/featureCacheMemory';
import { openStore } from '../../../src/engine/store/store';
import { syntheticFeatures } from '../store/fixtures/features';

describe('tile buffers', () => {
  it('decodes a cached row into the lent slot, as one array of consecutive tensor views, same values as without', () => {
    for (const cache of [new MemoryFeatureCache(), openStore(':memory:').cache]) {
      const want = syntheticFeatures(3);
      cache.put('k', want, { backbone: 'b' });
      const buffers = new TileBuffers();
      const got = cache.get('k', buffers.slot(1))!;
      const plain = cache.get('k')!;
      const total = want.reduce((n, t) => n + t.data.length, 0);
      let off = 0;
      for (let i = 0; i < want.length; i++) {
        expect(got[i].shape).toEqual(want[i].shape);
        expect(got[i].data.byteOffset).toBe(got[0].data.byteOffset + off * 4);
        off += want[i].data.length;
        expect(Array.from(got[i].data)).toEqual(Array.from(float16ToFloat32(float32ToFloat16(want[i].data))));
        expect(Array.from(plain[i].data)).toEqual(Array.from(got[i].data));
      }
      // the slot's decoder memory: the next decode into the slot overwrites it, another slot's does not
      const slotMemory = got[0].data.buffer;
      expect(buffers.slot(0).decodeHalves(new Uint8Array(2 * total), total).buffer).not.toBe(slotMemory);
      expect(buffers.slot(1).decodeHalves(new Uint8Array(2 * total), total).buffer).toBe(slotMemory);
      expect(got[0].data[0]).toBe(0);
    }
  });

  it('gives each slot its own memory, grows a slot to the largest row and then reuses it', () => {
    const b = new TileBuffers();
    const halves = (n: number) => new Uint8Array(2 * n);
    const a0 = b.slot(0).decodeHalves(halves(100), 100);
    const a1 = b.slot(1).decodeHalves(halves(100), 100);
    expect(a0.buffer).not.toBe(a1.buffer);
    const big = b.slot(0).decodeHalves(halves(100_000), 100_000);
    expect(big.length).toBe(100_000);
    const small = b.slot(0).decodeHalves(halves(10), 10);
    expect(small.buffer).toBe(big.buffer);
    expect(small.length).toBe(10);
    const grown = b.bytes;
    expect(grown).toBeGreaterThanOrEqual(4 * (100_000 + 100));
    b.slot(0).decodeHalves(halves(50_000), 50_000);
    expect(b.bytes).toBe(grown);
  });

  it('hands a released set to the next job, and keeps no more than its cap between jobs', () => {
    const first = acquireTileBuffers();
    first.slot(0).decodeHalves(new Uint8Array(2048), 1024);
    releaseTileBuffers(first);
    const second = acquireTileBuffers();
    expect(second === first).toBe(true);
    const other = acquireTileBuffers();
    expect(other === first).toBe(false);
    // 160 MB of slots is more than the process keeps between jobs: released, it is let go.
    const huge = new TileBuffers();
    huge.slot(0).decodeHalves(new Uint8Array(2 * 40 * 1024 ** 2), 40 * 1024 ** 2);
    releaseTileBuffers(second);
    releaseTileBuffers(huge);
    const a = acquireTileBuffers();
    const c = acquireTileBuffers();
    // (booleans: vitest would print a 200 MB set when describing the values)
    expect(a === huge || c === huge).toBe(false);
    expect(a === second || c === second).toBe(true);
  });
});
