import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openComponent } from '../../../src/engine/backbone/diffusersFolder';
import { invertAndTap } from '../../../src/engine/backbone/inversion';
import { inversionSteps } from '../../../src/engine/backbone/schedule';
import { sessionFromGraph } from '../../../src/engine/backbone/sessionFromGraph';
import { buildUNetGraph } from '../../../src/engine/backbone/unetGraph';
import { parseUNetConfig } from '../../../src/engine/backbone/unetConfig';
import { WeightSource } from '../../../src/engine/backbone/weightSource';
import { detUniform, writeDetComponent } from './helpers/detWeights';
import { agreement, golden, manifest } from './helpers/golden';

// The whole 10-call inversion against the PyTorch reference (tools/reference/inversion.py). Latents are compared
// in float32; taps against float16 goldens, so their bound is the fp16 rounding (2^-11 relative) plus drift.
describe('SatDiFuser inversion vs the PyTorch reference', () => {
  for (const baked of [false, true]) {
    it(`reproduces the latents fed to calls 47/45/40 and their taps (prompt ${baked ? 'baked in' : 'as input'})`, async () => {
      const dir = join(mkdtempSync(join(tmpdir(), 'inv-')), 'unet');
      writeDetComponent(dir, manifest.unet_config, manifest.params.unet);
      const comp = openComponent(dir, 'UNet');
      const reader = comp.open();
      const [, peShape, plo, phi] = manifest.inputs.prompt_embedding;
      const pe = detUniform('input.prompt_embedding', peShape, plo, phi);
      const g = buildUNetGraph(parseUNetConfig(comp.config), new WeightSource(reader), {
        height: 16, width: 16, promptEmbedding: baked ? { data: pe, shape: peShape } : undefined,
      });
      const session = await sessionFromGraph(g, { intraOpThreads: 1, providers: ['cpu'] });
      reader.close();
      const [, latShape, lo, hi] = manifest.inputs.latent;
      const steps = inversionSteps(manifest.scheduler_config);
      let calls = 0;
      const sets = await invertAndTap(session, detUniform('input.latent', latShape, lo, hi), latShape, {
        steps, saveLabels: [47, 45, 40], promptEmbedding: baked ? undefined : { data: pe, dims: peShape }, onStep: () => calls++,
      });
      expect(calls).toBe(10);
      expect(sets.map((s) => s.label)).toEqual([47, 45, 40]);
      expect(sets.map((s) => s.t)).toEqual([21, 61, 161]);
      const report: Record<string, unknown> = {};
      for (const s of sets) {
        const x = agreement(s.latent, golden(`inv_x_${s.label}`).data);
        expect(x.maxAbs).toBeLessThan(5e-5);
        report[`x${s.label}`] = x.maxAbs;
        s.scales.forEach((sc, k) => {
          const want = golden(`t${s.label}_s${k + 1}`);
          expect(sc.dims).toEqual(want.shape);
          const a = agreement(sc.data, want.data);
          expect(a.relMax).toBeLessThan(2e-3);
          expect(a.cosine).toBeGreaterThan(0.99999);
          report[`t${s.label}_s${k + 1}`] = [a.maxAbs, a.cosine];
        });
      }
      console.log('inversion agreement', JSON.stringify(report));
      await session.release();
    });
  }
});
