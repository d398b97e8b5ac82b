// The real backbone (a reduced DiffusionSat release imported into a temporary model store, opened through the
// heads' backbone choices, as `segment --head` does) through the pipeline on the bundled scene: features extracted cold, cached, served warm with no extraction, and the
// same mask both times.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importDiffusionSat } from '../../../src/engine/backbone/importDiffusionSat';
import { openBackbone } from '../../../src/engine/heads/features/extractors';
import { makePreparer } from '../../../src/engine/heads/features/preparer';
import type { SegmentationHead } from '../../../src/engine/jobs/model';
import { estimateSegmentation, runSegmentation, type SegmentJob, type SegmentJobResult } from '../../../src/engine/jobs/segment';
import { openRaster } from '../../../src/engine/raster/open';
import { openStore } from '../../../src/engine/store/store';
import { sampleScene } from '../../helpers/shared';
import { writeDiffusionSatFolder } from '../backbone/helpers/diffusionSatFolder';
import { classes3 } from './fakes';

const root = mkdtempSync(join(tmpdir(), 'sdf-bb-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Logits from the scale-1 taps of the first timestep: channel means, upsampled nearest to the tile. */
const tapHead: SegmentationHead = {
  id: 'tap-mean-head',
  classes: classes3,
  async predict(features, size) {
    return features.map((f) => {
      const s1 = f.find((t) => t.name === 't47_s1')!;
      const [c, h, w] = s1.shape;
      const out = new Float32Array(3 * size.width * size.height);
      const n = size.width * size.height;
      for (let y = 0; y < size.height; y++) for (let x = 0; x < size.width; x++) {
        const cy = Math.floor((y * h) / size.height), cx = Math.floor((x * w) / size.width);
        let m = 0;
        for (let k = 0; k < c; k++) m += s1.data[k * h * w + cy * w + cx];
        m /= c;
        out[y * size.width + x] = m; out[n + y * size.width + x] = -m; out[2 * n + y * size.width + x] = 0.1;
      }
      return out;
    });
  },
};

describe('real backbone through the pipeline', () => {
  it('cold run extracts every tile, warm run extracts none and gives the same mask', async () => {
    const models = join(root, 'models');
    await importDiffusionSat({ source: writeDiffusionSatFolder(join(root, 'dsat'), 'safetensors'), name: 'dsat-small', store: models, threads: 1 });
    process.env.SATDIFUSER_MODELS = models;
    try {
      const handle = await openBackbone('dsat-small', { tileSize: 128, threads: 1, batch: 2 });
      const ex = handle.extractor;
      const src = await openRaster(sampleScene);
      const store = openStore(join(root, 'store.sqlite'));
      const masks: Uint8Array[] = [];
      const job = (out: string): SegmentJob => ({
        source: src, sourceFingerprint: 'sample', box: { x: 0, y: 0, width: 240, height: 240 },
        preparer: preparer!, extractor: ex, head: tapHead, overlap: 16, batchSize: 2, journal: store.journal, cache: store.cache, timings: store.timings, outputId: out,
        async write(strips) {
          const m = new Uint8Array(240 * 240);
          for (const s of strips()) for (let r = 0; r < s.height; r++) m.set(s.mask.subarray(r * s.width, (r + 1) * s.width), (s.y + r) * 240 + s.x);
          masks.push(m);
          return { maskPath: out, probabilitiesPath: null, vectorPath: null, featureCount: null };
        },
      });
      const preparer = await makePreparer(src, [2, 1, 0]);
      const cold = await runSegmentation(job('a'));
      if (cold.status !== 'succeeded') throw new Error(JSON.stringify(cold));
      const c = cold.result as SegmentJobResult;
      expect([c.tiles, c.extractedTiles, c.cacheHits]).toEqual([4, 4, 0]);
      const est = await estimateSegmentation(job('b'));
      expect([est.tiles, est.cachedTiles, est.timingSource]).toEqual([4, 4, 'measured']);
      const warm = await runSegmentation(job('b'));
      if (warm.status !== 'succeeded') throw new Error(JSON.stringify(warm));
      expect([warm.result.extractedTiles, warm.result.cacheHits]).toEqual([0, 4]);
      expect(Buffer.from(masks[1]).equals(Buffer.from(masks[0]))).toBe(true);
      expect(new Set(masks[0]).size).toBeGreaterThan(1);
      const f = store.cache.stats();
      expect(f.byBackbone).toEqual([{ backbone: 'dsat-small', entries: 4, bytes: f.bytes }]);
      await handle.release();
      await src.close();
      store.close();
    } finally {
      delete process.env.SATDIFUSER_MODELS;
    }
  });
});
