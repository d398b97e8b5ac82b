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
      expect(got[0].data.buffer).toBe(buffers.slot(1).take(total).buffer);
      let off = 0;
      for (let i = 0; i < want.length; i++) {
        expect(got[i].shape).toEqual(want[i].shape);
        expect(got[i].data.byteOffset).toBe(off * 4);
        off += want[i].data.length;
        expect(Array.from(got[i].data)).toEqual(Array.from(float16ToFloat32(float32ToFloat16(want[i].data))));
        expect(Array.from(plain[i].data)).toEqual(Array.from(got[i].data));
      }
    }
  });

  it('gives each slot its own memory, grows a slot to the largest row and then reuses it', () => {
    const b = new TileBuffers();
    const a0 = b.slot(0).take(100);
    const a1 = b.slot(1).take(100);
    expect(a0.buffer).not.toBe(a1.buffer);
    const big = b.slot(0).take(1000);
    expect(big.length).toBe(1000);
    const small = b.slot(0).take(10);
    expect(small.buffer).toBe(big.buffer);
    expect(small.length).toBe(10);
    expect(b.bytes).toBe(4 * (1000 + 100));
  });

  it('hands a released set to the next job, and keeps no more than its cap between jobs', () => {
    const first = acquireTileBuffers();
    first.slot(0).take(1024);
    releaseTileBuffers(first);
    const second = acquireTileBuffers();
    expect(second === first).toBe(true);
    const other = acquireTileBuffers();
    expect(other === first).toBe(false);
    // 200 MB of slots is more than the process keeps between jobs: released, it is let go.
    const huge = new TileBuffers();
    huge.slot(0).take(50 * 1024 ** 2);
    releaseTileBuffers(second);
    releaseTileBuffers(huge);
    const a = acquireTileBuffers();
    const c = acquireTileBuffers();
    // (booleans: vitest would print a 200 MB set when describing the values)
    expect(a === huge || c === huge).toBe(false);
    expect(a === second || c === second).toBe(true);
  });
});
