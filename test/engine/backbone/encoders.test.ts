import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildClipTextGraph, parseClipConfig } from '../../../src/engine/backbone/clipGraph';
import { openComponent } from '../../../src/engine/backbone/diffusersFolder';
import { type TaeLayer, buildTaeEncoderGraph } from '../../../src/engine/backbone/taeGraph';
import { ClipTokenizer } from '../../../src/engine/backbone/tokenizer';
import { buildVaeEncoderGraph, oldVaeAttentionName, parseVaeConfig } from '../../../src/engine/backbone/vaeGraph';
import { WeightSource } from '../../../src/engine/backbone/weightSource';
import { serializeModel } from '../../../src/engine/nn/serialize';
import { Session, Tensor } from '../../../src/engine/runtime';
import { detUniform, writeDetComponent } from './helpers/detWeights';
import { agreement, golden, goldenDir, manifest } from './helpers/golden';

const cpu = { intraOpThreads: 1, providers: ['cpu'] as const };
const tmp = () => mkdtempSync(join(tmpdir(), 'enc-'));

describe('autoencoder encoders and the CLIP text encoder vs the PyTorch reference', () => {
  for (const naming of ['new', 'old'] as const) {
    it(`AutoencoderKL encoder + quant_conv → moments (${naming} attention names)`, async () => {
      const dir = join(tmp(), 'vae');
      writeDetComponent(dir, manifest.vae_config, manifest.params.vae, { rename: naming === 'old' ? oldVaeAttentionName : undefined });
      const comp = openComponent(dir, 'VAE');
      const reader = comp.open();
      if (naming === 'old') expect(reader.has('encoder.mid_block.attentions.0.query.weight')).toBe(true);
      const g = buildVaeEncoderGraph(parseVaeConfig(comp.config), new WeightSource(reader, oldVaeAttentionName), { height: 64, width: 64 });
      const s = await Session.create(serializeModel(g), { ...cpu, providers: [...cpu.providers] });
      const [, shape, lo, hi] = manifest.inputs.image;
      const res = await s.run({ image: Tensor.of('float32', detUniform('input.image', shape, lo, hi), shape) });
      expect(res.moments.dims).toEqual([2, 8, 8, 8]);
      const a = agreement(res.moments.toFloat32(), golden('vae_moments').data);
      expect(a.maxAbs).toBeLessThan(1e-5);
      reader.close();
      await s.release();
    });
  }

  it('TAEF2-structure encoder (GroupNorm pool branch) → latent', async () => {
    const dir = join(tmp(), 'tae');
    writeDetComponent(dir, {}, manifest.params.tae);
    const comp = openComponent(dir, 'autoencoder');
    const reader = comp.open();
    const g = buildTaeEncoderGraph(manifest.tae_spec as TaeLayer[], new WeightSource(reader), { height: 64, width: 64 });
    const s = await Session.create(serializeModel(g), { ...cpu, providers: [...cpu.providers] });
    const [, shape, lo, hi] = manifest.inputs.image01;
    const res = await s.run({ image: Tensor.of('float32', detUniform('input.image01', shape, lo, hi), shape) });
    const a = agreement(res.latent.toFloat32(), golden('tae_latent').data);
    expect(a.maxAbs).toBeLessThan(1e-5);
    reader.close();
    await s.release();
  });

  it('CLIP text model (SD 2.x: gelu, pad "!") embeds "A satellite image" like HF CLIPTextModel', async () => {
    const dir = join(tmp(), 'text_encoder');
    writeDetComponent(dir, manifest.clip_config, manifest.params.clip, { file: 'model.safetensors' });
    const comp = openComponent(dir, 'text encoder');
    const reader = comp.open();
    const ws = new WeightSource(reader);
    const g = buildClipTextGraph(parseClipConfig(comp.config), ws);
    expect(ws.unused()).toEqual(['text_model.embeddings.position_ids']);
    const s = await Session.create(serializeModel(g), { ...cpu, providers: [...cpu.providers] });
    const ids = ClipTokenizer.fromFolder(join(goldenDir, 'tokenizer')).encode('A satellite image');
    const res = await s.run({ input_ids: Tensor.of('int64', BigInt64Array.from(ids, (v) => BigInt(v)), [1, 77]) });
    const a = agreement(res.last_hidden_state.toFloat32(), golden('clip_embedding').data);
    expect(a.maxAbs).toBeLessThan(1e-5);
    reader.close();
    await s.release();
  });
});
