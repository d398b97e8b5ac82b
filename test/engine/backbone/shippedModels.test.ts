import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BackboneRuntime } from '../../../src/engine/backbone/backboneRuntime';
import { loadBackbone, shippedModelDir } from '../../../src/engine/backbone/modelStore';
import { tapChannels } from '../../../src/engine/backbone/unetConfig';

// Every model shipped in models/ (the default backbone from tools/train_backbone) must load through the same
// path as imported models and produce the SatDiFuser tap pyramid.
const shipped = existsSync(shippedModelDir())
  ? readdirSync(shippedModelDir()).filter((n) => existsSync(join(shippedModelDir(), n, 'backbone.json')))
  : [];

describe.skipIf(shipped.length === 0)('shipped backbone models', () => {
  for (const name of shipped) {
    it(`${name}: loads, and extracts taps of 3 timesteps from a 64-px-aligned tile`, async () => {
      const m = loadBackbone(join(shippedModelDir(), name));
      const side = m.alignment;
      const rt = await BackboneRuntime.open(m, side, side, { threads: 1 });
      try {
        const px = new Float32Array(3 * side * side).map((_, i) => (m.inputRange[0] + m.inputRange[1]) / 2 + 0.3 * Math.sin(i * 0.05));
        const sets = await rt.features(px, 1);
        expect(sets.map((s) => s.label)).toEqual([47, 45, 40]);
        expect(sets[0].scales.map((s) => s.dims[1])).toEqual(tapChannels(m.unet));
        for (const s of sets) for (const sc of s.scales) expect(sc.data.every(Number.isFinite)).toBe(true);
      } finally {
        await rt.release();
      }
    });
  }
});
