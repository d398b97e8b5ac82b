import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SatError } from '../../../src/shared/errors';
import { BackboneRuntime, graphCacheDir } from '../../../src/engine/backbone/backboneRuntime';
import { importDiffusionSat } from '../../../src/engine/backbone/importDiffusionSat';
import { loadBackbone } from '../../../src/engine/backbone/modelStore';
import { SafetensorsReader } from '../../../src/engine/nn/weights/safetensors';
import { detUniform } from './helpers/detWeights';
import { writeDiffusionSatFolder } from './helpers/diffusionSatFolder';
import { agreement, golden, manifest } from './helpers/golden';

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return e instanceof SatError ? `${e.code}: ${e.message}` : `not a SatError: ${String(e)}`;
  }
  return 'no error';
}

describe('DiffusionSat import (reduced DiffusionSat-256 structure, random weights)', () => {
  for (const form of ['safetensors', 'bin'] as const) {
    it(`imports the ${form} release: weights SatDiFuser uses, prompt embedding by the checkpoint's CLIP, card`, async () => {
      const root = mkdtempSync(join(tmpdir(), 'dsat-'));
      const src = writeDiffusionSatFolder(join(root, 'DiffusionSat-256'), form, { checkpointLayout: form === 'bin' });
      const stages = new Set<string>();
      process.env.SATDIFUSER_MODELS = join(root, 'store');
      const res = await importDiffusionSat({ source: src, threads: 1, onProgress: (s) => stages.add(s) });
      expect(res.dir).toBe(join(root, 'store', 'diffusionsat-256'));
      expect([...stages]).toEqual(['checking', 'copying weights', 'prompt embedding', 'card', 'done']);
      const card = JSON.parse(readFileSync(join(res.dir, 'backbone.json'), 'utf8'));
      expect(card.unet.ignored_tensors).toBe(28);
      expect(card.prediction_type).toBe('v_prediction');
      expect(card.prompt_embedding.token_ids).toEqual(manifest.token_ids['A satellite image']);
      expect(existsSync(join(res.dir, 'model_card.md'))).toBe(true);
      // UNet weights: everything but the metadata MLPs, bit-identical
      const u = new SafetensorsReader(join(res.dir, 'unet', 'diffusion_pytorch_model.safetensors'));
      expect(u.list().length).toBe(manifest.params.unet.length - 28);
      expect(u.has('metadata_embedding.0.linear_1.weight')).toBe(false);
      u.close();
      // VAE encoder stored under the new attention names
      const v = new SafetensorsReader(join(res.dir, 'vae', 'encoder.safetensors'));
      expect(v.has('encoder.mid_block.attentions.0.to_q.weight')).toBe(true);
      expect(v.has('post_quant_conv.weight')).toBe(false);
      v.close();
      // the prompt embedding equals HF CLIPTextModel's on the same tokens (PyTorch reference)
      const model = loadBackbone(res.dir);
      const pe = agreement(model.promptEmbedding.data, golden('clip_embedding').data);
      expect(pe.maxAbs).toBeLessThan(1e-5);
      // the stored model encodes like diffusers: latent = posterior mean × 0.18215
      const rt = await BackboneRuntime.open(model, 64, 64, { threads: 1 });
      const [, shape, lo, hi] = manifest.inputs.image;
      const lat = await rt.encode(detUniform('input.image', shape, lo, hi), 2);
      expect(lat.dims).toEqual([2, 4, 8, 8]);
      const m = golden('vae_moments').data;
      const want = new Float32Array(2 * 4 * 64);
      for (let b = 0; b < 2; b++) for (let k = 0; k < 256; k++) want[b * 256 + k] = m[b * 512 + k] * 0.18215;
      expect(agreement(lat.data, want).maxAbs).toBeLessThan(1e-5);
      const sets = await rt.features(detUniform('input.image', shape, lo, hi), 2);
      expect(sets.map((s) => s.scales.map((x) => x.dims))).toEqual([47, 45, 40].map(() => [[2, 192, 8, 8], [2, 384, 4, 4], [2, 768, 2, 2], [2, 384, 1, 1]]));
      await rt.release();
      expect(graphCacheDir(model)).toBe(join(res.dir, 'onnx')); // user-store models cache their graphs inside
      expect(readdirSync(join(res.dir, 'onnx')).filter((f) => f.endsWith('.onnx')).length).toBe(2);
      delete process.env.SATDIFUSER_MODELS;
      rmSync(root, { recursive: true, force: true });
    });
  }

  it('refuses incomplete folders, ε-prediction, a non-DDIM scheduler and config/weight shape mismatches, writing nothing', async () => {
    const root = mkdtempSync(join(tmpdir(), 'dsat-bad-'));
    const store = join(root, 'store');
    const ok = writeDiffusionSatFolder(join(root, 'ok'), 'safetensors');
    rmSync(join(ok, 'vae'), { recursive: true });
    rmSync(join(ok, 'tokenizer', 'vocab.json'));
    const missing = await code(importDiffusionSat({ source: ok, store }));
    expect(missing).toMatch(/^FILE_NOT_FOUND: .*vae, tokenizer are missing/);

    const eps = writeDiffusionSatFolder(join(root, 'eps'), 'safetensors', { scheduler: { ...manifest.scheduler_config, prediction_type: 'epsilon' } });
    expect(await code(importDiffusionSat({ source: eps, store }))).toMatch(/^MODEL_MISMATCH: .*prediction_type="epsilon"/);

    const wide = writeDiffusionSatFolder(join(root, 'wide'), 'safetensors', { unetConfig: { ...manifest.unet_config, block_out_channels: [32, 64, 128, 256] } });
    expect(await code(importDiffusionSat({ source: wide, store }))).toMatch(/^MODEL_MISMATCH: .*has shape \[.*\] but config\.json implies/);

    const pndm = writeDiffusionSatFolder(join(root, 'pndm'), 'safetensors', { scheduler: { ...manifest.scheduler_config, _class_name: 'PNDMScheduler' } });
    expect(await code(importDiffusionSat({ source: pndm, store }))).toMatch(/^MODEL_MISMATCH: .*PNDMScheduler/);
    expect(existsSync(join(store, 'ok'))).toBe(false);
    rmSync(root, { recursive: true, force: true });
  });
});
