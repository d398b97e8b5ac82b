// Backbones as the heads see them, on a reduced DiffusionSat (the backbone tests' random checkpoint, imported):
// the tap layout derived from the UNet config matches what the extraction returns, and random-init is the same
// architecture with fresh, seeded PyTorch-default weights.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importDiffusionSat } from '../../../../src/engine/backbone/importDiffusionSat';
import { loadBackbone } from '../../../../src/engine/backbone/modelStore';
import { modelLayout, openBackbone, weightsFingerprint } from '../../../../src/engine/heads/features/extractors';
import { randomInitModel } from '../../../../src/engine/heads/features/randomInit';
import { openWeights } from '../../../../src/engine/nn/weights/open';
import { writeDiffusionSatFolder } from '../../backbone/helpers/diffusionSatFolder';

const root = mkdtempSync(join(tmpdir(), 'heads-backbones-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let imported: Promise<string> | null = null;
function reducedModel(): Promise<string> {
  imported ??= importDiffusionSat({ source: writeDiffusionSatFolder(join(root, 'DiffusionSat-256'), 'safetensors'), store: join(root, 'store'), threads: 1 }).then((r) => r.dir);
  return imported;
}

describe('backbone feature extractors', () => {
  it('derives the tap layout from the UNet config, and extraction returns exactly it', async () => {
    const dir = await reducedModel();
    const model = loadBackbone(dir);
    const layout = modelLayout(model, 64);
    // block_out (32, 64, 128, 128), 3 resnets per up block, attention in all but the coarsest
    expect(layout.scales.map((s) => [s.size, s.taps.length, s.taps[0]!.channels, s.taps[0]!.name, s.taps.at(-1)!.name])).toEqual([
      [8, 6, 32, 'attn1_0', 'conv2_2'], [4, 6, 64, 'attn1_0', 'conv2_2'], [2, 6, 128, 'attn1_0', 'conv2_2'], [1, 3, 128, 'conv2_0', 'conv2_2'],
    ]);
    expect(layout.timesteps).toEqual([47, 45, 40]);
    const bb = await openBackbone(dir, { tileSize: 64, threads: 1 });
    try {
      const tile = { width: 64, height: 64, channels: 3, data: new Float32Array(3 * 64 * 64).map((_, i) => (i % 97) / 97), valid: new Uint8Array(64 * 64).fill(1) };
      const [set] = await bb.extractor.extract([tile]);
      const expected = layout.timesteps.flatMap((t) => layout.scales.map((s, k) => [`t${t}_s${k + 1}`, [s.taps.reduce((n, x) => n + x.channels, 0), s.size, s.size]]));
      expect(set!.map((f) => [f.name, f.shape])).toEqual(expected);
      expect(set!.every((f) => f.data.every(Number.isFinite))).toBe(true);
      expect(bb.ref.source).toBe(dir);
      expect(bb.ref.weightsHash).toMatch(/^[0-9a-f]{64}$/);
    } finally {
      await bb.release();
    }
  });

  it('random-init: same names and shapes, fresh seeded weights, its own fingerprint', async () => {
    const base = loadBackbone(await reducedModel());
    process.env.SATDIFUSER_CACHE = join(root, 'cache');
    const a = loadBackbone(randomInitModel(base, 3));
    const again = loadBackbone(randomInitModel(base, 3));
    const other = loadBackbone(randomInitModel(base, 4));
    const [rb, ra, ro] = [base, a, other].map((m) => openWeights(m.unetWeights));
    try {
      expect(ra.list().map((t) => [t.name, t.shape])).toEqual(rb.list().map((t) => [t.name, t.shape]));
      const conv = 'up_blocks.1.resnets.0.conv1.weight';
      const w = ra.readFloat32(conv);
      expect(Array.from(w)).not.toEqual(Array.from(rb.readFloat32(conv)));
      expect(Array.from(ro.readFloat32(conv))).not.toEqual(Array.from(w));
      // PyTorch's default: U(±1/√fan_in), fan_in = in_channels × 3 × 3
      const fanIn = ra.info(conv).shape.slice(1).reduce((x, y) => x * y, 1);
      const maxAbs = w.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      expect(maxAbs).toBeLessThanOrEqual(1 / Math.sqrt(fanIn));
      expect(maxAbs).toBeGreaterThan(0.9 / Math.sqrt(fanIn));
      expect(Array.from(ra.readFloat32('up_blocks.1.resnets.0.norm1.weight')).every((v) => v === 1)).toBe(true);
      expect(Array.from(ra.readFloat32('up_blocks.1.resnets.0.norm1.bias')).every((v) => v === 0)).toBe(true);
      expect(weightsFingerprint(again)).toBe(weightsFingerprint(a));
      expect(weightsFingerprint(a)).not.toBe(weightsFingerprint(base));
      // everything but the UNet is the base model's
      expect(a.autoencoder.kind).toBe(base.autoencoder.kind);
      expect(Array.from(a.promptEmbedding.data)).toEqual(Array.from(base.promptEmbedding.data));
    } finally {
      for (const r of [rb, ra, ro]) r.close();
    }
  });
});
