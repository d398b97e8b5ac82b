import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openComponent } from '../../../src/engine/backbone/diffusersFolder';
import { buildUNetGraph } from '../../../src/engine/backbone/unetGraph';
import { parseUNetConfig, tapChannels } from '../../../src/engine/backbone/unetConfig';
import { WeightSource } from '../../../src/engine/backbone/weightSource';
import { serializeModel } from '../../../src/engine/nn/serialize';
import { Session, Tensor } from '../../../src/engine/runtime';
import { detUniform, writeDetComponent } from './helpers/detWeights';
import { agreement, golden, manifest } from './helpers/golden';

// Golden: tools/reference/make_goldens.py (PyTorch, tools/pyldm/unet.py). Weights regenerate bit-exactly from names.
describe('UNet graph vs the PyTorch reference', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'unet-')), 'unet');
  writeDetComponent(dir, manifest.unet_config, manifest.params.unet);

  for (const attention of ['matmul', 'fused'] as const) it(`predicts and taps like diffusers at t = −1 and t = 21 (batch 2, float timesteps, ${attention} attention)`, async () => {
    const comp = openComponent(dir, 'UNet');
    const cfg = parseUNetConfig(comp.config);
    expect(cfg.numMetadata).toBe(7);
    expect(tapChannels(cfg)).toEqual([192, 384, 768, 384]);
    const reader = comp.open();
    const ws = new WeightSource(reader);
    const g = buildUNetGraph(cfg, ws, { height: 16, width: 16, attention });
    // everything but DiffusionSat's metadata MLPs was used
    expect(ws.unused().every((n) => n.startsWith('metadata_embedding.'))).toBe(true);
    expect(ws.unused().length).toBe(28);
    const session = await Session.create(serializeModel(g), { intraOpThreads: 1, providers: ['cpu'] });
    reader.close();
    const [, latShape, lo, hi] = manifest.inputs.latent;
    const [, peShape, plo, phi] = manifest.inputs.prompt_embedding;
    const pe = detUniform('input.prompt_embedding', peShape, plo, phi);
    const ehs = new Float32Array(2 * pe.length);
    ehs.set(pe, 0);
    ehs.set(pe, pe.length);
    const res = await session.run({
      sample: Tensor.of('float32', detUniform('input.latent', latShape, lo, hi), latShape),
      timestep: Tensor.of('float32', Float32Array.of(-1, 21), [2]),
      encoder_hidden_states: Tensor.of('float32', ehs, [2, 77, 64]),
    });
    expect(res.s1.dims).toEqual([2, 192, 16, 16]);
    expect(res.s2.dims).toEqual([2, 384, 8, 8]);
    expect(res.s3.dims).toEqual([2, 768, 4, 4]);
    expect(res.s4.dims).toEqual([2, 384, 2, 2]);
    const out = agreement(res.out.toFloat32(), golden('unet_out_tm1_t21').data);
    const s4 = agreement(res.s4.toFloat32(), golden('unet_s4_tm1_t21').data);
    // float32 end to end: differences are summation order only
    expect(out.maxAbs).toBeLessThan(1e-4);
    expect(out.cosine).toBeGreaterThan(0.999999);
    expect(s4.maxAbs).toBeLessThan(1e-4);
    console.log(`unet golden agreement (${attention})`, JSON.stringify({ out, s4 }));
    await session.release();
  });
});
