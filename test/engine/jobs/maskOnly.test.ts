// A job whose writer reads only the class mask skips the softmax and journals masks alone; the mask must be
// byte-identical to the one computed with probabilities, including blending across tiles and nodata.
import { describe, expect, it } from 'vitest';
import { runSegmentation, segmentJobHash, type SegmentJob, type SegmentWriter } from '../../../src/engine/jobs/segment';
import { segmentationWriter } from '../../../src/engine/jobs/segmentOutputs';
import type { StoredStrip } from '../../../src/engine/jobs/stripCodec';
import { MemoryFeatureCache } from '../../../src/engine/store/featureCacheMemory';
import { openStore } from '../../../src/engine/store/store';
import { contextHead, identityExtractor, memoryRaster, passThroughPreparer, sceneField } from './fakes';

const W = 157, H = 121;

function collect(needsProbabilities: boolean | undefined, into: StoredStrip[]): SegmentWriter {
  const w = async (strips: () => Iterable<StoredStrip>) => {
    for (const s of strips()) into.push({ ...s, mask: Uint8Array.from(s.mask), probabilities: Uint8Array.from(s.probabilities) });
    return { maskPath: 'mem', probabilitiesPath: null, vectorPath: null, featureCount: null };
  };
  return needsProbabilities === undefined ? w : Object.assign(w, { needsProbabilities });
}

function job(write: SegmentWriter, over: Partial<SegmentJob> = {}): SegmentJob {
  const field = sceneField(W, H, 3);
  for (let y = 40; y < 52; y++) for (let x = 60; x < 90; x++) field[y * W + x] = -1; // nodata across a tile border
  const store = openStore(':memory:');
  return {
    source: memoryRaster(W, H, [field], { nodata: -1 }), sourceFingerprint: 'mem', box: { x: 0, y: 0, width: W, height: H },
    preparer: passThroughPreparer([0]), extractor: identityExtractor(48), head: contextHead(2), overlap: 12, batchSize: 3,
    journal: store.journal, cache: new MemoryFeatureCache(), timings: store.timings, write, ...over,
  };
}

const maskOf = (strips: StoredStrip[]) => {
  const m = new Uint8Array(W * H).fill(254);
  for (const s of strips) for (let r = 0; r < s.height; r++) m.set(s.mask.subarray(r * s.width, (r + 1) * s.width), (s.y + r) * W + s.x);
  return m;
};

describe('segmentation without probabilities', () => {
  it('gives the same mask as with them, and strips carry none', async () => {
    const withP: StoredStrip[] = [], without: StoredStrip[] = [];
    expect((await runSegmentation(job(collect(undefined, withP)))).status).toBe('succeeded');
    expect((await runSegmentation(job(collect(false, without)))).status).toBe('succeeded');
    const a = maskOf(withP), b = maskOf(without);
    expect(a.includes(254)).toBe(false);
    expect(new Set(a).size).toBeGreaterThan(2); // several classes and nodata: a real comparison
    expect(a.includes(255)).toBe(true);
    expect(Buffer.from(b).equals(Buffer.from(a))).toBe(true);
    expect(withP.every((s) => s.classes === 3 && s.probabilities.length === 3 * s.width * s.height)).toBe(true);
    expect(without.every((s) => s.classes === 0 && s.probabilities.length === 0)).toBe(true);
  });

  it('the job option overrides the writer, and is part of the job identity', async () => {
    const forced: StoredStrip[] = [];
    expect((await runSegmentation(job(collect(false, forced), { probabilities: true }))).status).toBe('succeeded');
    expect(forced.every((s) => s.classes === 3)).toBe(true);
    const j = job(collect(undefined, []));
    expect(segmentJobHash({ ...j, probabilities: false }, 48, 12)).not.toBe(segmentJobHash(j, 48, 12));
  });

  it('the output writer asks for probabilities only for a probability raster or vectors', () => {
    const base = { maskPath: 'm.tif', info: memoryRaster(4, 4, [new Float32Array(16)]).info, classes: [], provenance: { source: 's', model: 'm', head: 'h' } };
    expect(segmentationWriter(base).needsProbabilities).toBe(false);
    expect(segmentationWriter({ ...base, probabilitiesPath: 'p.tif' }).needsProbabilities).toBe(true);
    expect(segmentationWriter({ ...base, vectorPath: 'v.gpkg' }).needsProbabilities).toBe(true);
  });
});
