// Without WebAssembly (a runtime where it is disabled), a segmentation falls back to the JavaScript decoder,
// blend and argmax, and gives the same bytes as with the SIMD kernels: cold and warm (features from the cache),
// with probabilities and mask only.
import { describe, expect, it, vi } from 'vitest';
import type { StoredStrip } from '../../../src/engine/jobs/stripCodec';

const W = 150, H = 130;

async function runAll(): Promise<{ simd: boolean; outputs: Buffer[] }> {
  const { runSegmentation } = await import('../../../src/engine/jobs/segment');
  const { MemoryFeatureCache } = await import('../../../src/engine/store/featureCacheMemory');
  const { openStore } = await import('../../../src/engine/store/store');
  const { BlendBand } = await import('../../../src/engine/jobs/blendBand');
  const { HalfDecoder } = await import('../../../src/engine/nn/halfDecoder');
  const fakes = await import('./fakes');
  const field = fakes.sceneField(W, H, 3);
  for (let y = 40; y < 52; y++) field.fill(-1, y * W + 20, y * W + 61); // a hole of nodata
  const source = fakes.memoryRaster(W, H, [field], { nodata: -1 });
  const cache = new MemoryFeatureCache();
  const outputs: Buffer[] = [];
  for (const probabilities of [true, false]) {
    for (const pass of ['cold', 'warm']) {
      const store = openStore(':memory:');
      const chunks: Buffer[] = [];
      const write = Object.assign(
        async (strips: () => Iterable<StoredStrip>) => {
          for (const s of strips()) chunks.push(Buffer.from(s.mask), Buffer.from(s.probabilities.buffer, s.probabilities.byteOffset, s.probabilities.byteLength));
          return { maskPath: 'mem', probabilitiesPath: null, vectorPath: null, featureCount: null };
        },
        { needsProbabilities: probabilities },
      );
      const o = await runSegmentation({
        source, sourceFingerprint: 'mem', box: { x: 0, y: 0, width: W, height: H }, preparer: fakes.passThroughPreparer([0]),
        extractor: fakes.identityExtractor(64, 1), head: fakes.contextHead(2), overlap: 16, batchSize: 3, journal: store.journal, cache, write,
      });
      if (o.status !== 'succeeded') throw new Error(`${pass} run ${o.status}`);
      expect(o.result.cacheHits > 0).toBe(pass === 'warm' || !probabilities);
      outputs.push(Buffer.concat(chunks));
      store.close();
    }
  }
  return { simd: new BlendBand({ classes: 2, height: 4, width: 4, tileSize: 4 }).simd && new HalfDecoder().simd, outputs };
}

describe('segmentation without WebAssembly', () => {
  it('gives the bytes of the SIMD kernels, cold and warm, with and without probabilities', async () => {
    const withWasm = await runAll();
    vi.resetModules();
    vi.stubGlobal('WebAssembly', undefined);
    let without: Awaited<ReturnType<typeof runAll>>;
    try {
      without = await runAll();
    } finally {
      vi.unstubAllGlobals();
    }
    expect(withWasm.simd).toBe(true);
    expect(without.simd).toBe(false);
    expect(without.outputs.length).toBe(4);
    for (let i = 0; i < 4; i++) expect(without.outputs[i].equals(withWasm.outputs[i])).toBe(true);
    // the runs did produce classes and nodata (the raster's -1 cells)
    expect(withWasm.outputs[2].includes(255) && withWasm.outputs[2].includes(0) && withWasm.outputs[2].includes(1)).toBe(true);
  });
});
