import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main';
import { readNpy, writeNpy } from '../../../src/engine/backbone/npy';
import { sampleScene } from '../../helpers/shared';
import { detUniform, writeDetComponent } from './helpers/detWeights';
import { writeDiffusionSatFolder } from './helpers/diffusionSatFolder';
import { agreement, golden, manifest } from './helpers/golden';

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = new PassThrough(), err = new PassThrough();
  let o = '', e = '';
  out.on('data', (d) => (o += d));
  err.on('data', (d) => (e += d));
  const saved = [process.stdout.write, process.stderr.write];
  process.stdout.write = out.write.bind(out) as typeof process.stdout.write;
  process.stderr.write = err.write.bind(err) as typeof process.stderr.write;
  try {
    const code = await main(argv);
    return { code, out: o, err: e };
  } finally {
    [process.stdout.write, process.stderr.write] = saved;
  }
}

describe('CLI: features / encode / models', () => {
  const root = mkdtempSync(join(tmpdir(), 'cli-'));

  it('features --unet … writes t47_s1 … t40_s4 matching the PyTorch reference', async () => {
    writeDetComponent(join(root, 'unet'), manifest.unet_config, manifest.params.unet);
    mkdirSync(join(root, 'scheduler'));
    writeFileSync(join(root, 'scheduler', 'scheduler_config.json'), JSON.stringify(manifest.scheduler_config));
    const [, ls, lo, hi] = manifest.inputs.latent;
    writeNpy(join(root, 'latent.npy'), detUniform('input.latent', ls, lo, hi), ls);
    const [, ps, plo, phi] = manifest.inputs.prompt_embedding;
    writeNpy(join(root, 'pe.npy'), detUniform('input.prompt_embedding', ps, plo, phi), ps);
    const r = await cli(['features', '--unet', join(root, 'unet'), '--scheduler', join(root, 'scheduler'), '--latent', join(root, 'latent.npy'),
      '--prompt-embedding', join(root, 'pe.npy'), '--out', join(root, 'feats'), '--threads', '1']);
    expect(r.err).toMatch(/12 tap files/);
    expect(r.code).toBe(0);
    for (const label of [47, 45, 40]) {
      for (let k = 1; k <= 4; k++) {
        const got = readNpy(join(root, 'feats', `t${label}_s${k}.npy`));
        const want = golden(`t${label}_s${k}`);
        expect(got.dtype).toBe('<f4');
        expect(got.shape).toEqual(want.shape);
        expect(agreement(got.data, want.data).relMax).toBeLessThan(2e-3);
      }
    }
  });

  it('features explains bad input with exit code 2', async () => {
    const r = await cli(['features', '--unet', join(root, 'unet'), '--out', join(root, 'x')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/Missing --scheduler, --latent, --prompt-embedding/);
    writeNpy(join(root, 'bad.npy'), new Float32Array(3 * 16 * 16), [1, 3, 16, 16]);
    const r2 = await cli(['features', '--unet', join(root, 'unet'), '--scheduler', join(root, 'scheduler'), '--latent', join(root, 'bad.npy'),
      '--prompt-embedding', join(root, 'pe.npy'), '--out', join(root, 'x')]);
    expect(r2.code).toBe(2);
    expect(r2.err).toMatch(/needs \[B, 4, h, w\]/);
  });

  it('encode --vae … writes the moments of diffusers AutoencoderKL', async () => {
    writeDetComponent(join(root, 'vae'), manifest.vae_config, manifest.params.vae);
    const [, s, lo, hi] = manifest.inputs.image;
    writeNpy(join(root, 'image.npy'), detUniform('input.image', s, lo, hi), s);
    const r = await cli(['encode', '--vae', join(root, 'vae'), '--image', join(root, 'image.npy'), '--out', join(root, 'm', 'moments.npy')]);
    expect(r.code).toBe(0);
    const got = readNpy(join(root, 'm', 'moments.npy'));
    expect(got.shape).toEqual([2, 8, 8, 8]);
    expect(agreement(got.data, golden('vae_moments').data).maxAbs).toBeLessThan(1e-5);
  });

  it('encode --provider cuda falls back to CPU, says why on stderr, and computes the same moments', async () => {
    const r = await cli(['encode', '--vae', join(root, 'vae'), '--image', join(root, 'image.npy'), '--out', join(root, 'm2', 'moments.npy'), '--provider', 'cuda']);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/provider: the VAE encoder running on cpu; cuda not used: \S/);
    expect(agreement(readNpy(join(root, 'm2', 'moments.npy')).data, golden('vae_moments').data).maxAbs).toBeLessThan(1e-5);
    const bad = await cli(['encode', '--vae', join(root, 'vae'), '--image', join(root, 'image.npy'), '--out', join(root, 'm3.npy'), '--provider', 'tpu']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--provider must be one of cpu, cuda, dml, webgpu; got "tpu"/);
    expect(existsSync(join(root, 'm3.npy'))).toBe(false);
  });

  it('info --providers and models providers list what this onnxruntime build offers', async () => {
    const i = await cli(['info', '--providers']);
    expect(i.code).toBe(0);
    expect(i.out).toMatch(/^onnxruntime-node \d+\.\d+\.\d+ execution providers: cpu \(bundled\)/);
    const j = JSON.parse((await cli(['info', '--providers', '--json'])).out);
    expect(j.providers).toContainEqual({ name: 'cpu', bundled: true, installed: true });
    const m = await cli(['models', 'providers']);
    expect(m.code).toBe(0);
    expect(m.out).toMatch(/^cpu\s+bundled$/m);
    expect(m.out).toMatch(/default for the backbone: cpu/);
    expect((await cli(['models', 'list'])).out).toMatch(/execution providers: cpu \(bundled\)/);
  });

  it('models import-diffusionsat, then features --backbone on the bundled Landsat scene', async () => {
    const src = writeDiffusionSatFolder(join(root, 'DiffusionSat-256'), 'safetensors');
    const store = join(root, 'store');
    process.env.SATDIFUSER_MODELS = store;
    try {
      const r = await cli(['models', 'import-diffusionsat', src, '--name', 'dsat-small', '--threads', '1']);
      expect(r.code).toBe(0);
      expect(r.err).toMatch(/import: done/);
      expect((await cli(['models', 'list'])).out).toMatch(/dsat-small\s+user/);
      const f = await cli(['features', '--backbone', 'dsat-small', '--image', sampleScene, '--window', '10,20,100,70', '--bands', '3,2,1', '--out', join(root, 'img'), '--threads', '1', '--provider', 'cpu']);
      expect(f.code).toBe(0);
      expect(f.err).toMatch(/provider: the UNet running on cpu\n/);
      const d = JSON.parse(readFileSync(join(root, 'img', 'features.json'), 'utf8'));
      expect(d.padded_to).toEqual({ width: 128, height: 128 });
      expect(d.bands).toEqual([3, 2, 1]);
      expect(d.provider).toEqual({ encoder: 'cpu', unet: 'cpu' });
      expect(readNpy(join(root, 'img', 't47_s1.npy')).shape).toEqual([1, 192, 16, 16]);
      expect(readNpy(join(root, 'img', 't40_s4.npy')).shape).toEqual([1, 384, 2, 2]);
      const bad = await cli(['features', '--backbone', 'dsat-small', '--image', sampleScene, '--window', '300,300,100,100', '--out', join(root, 'x')]);
      expect(bad.code).toBe(2);
      expect(bad.err).toMatch(/not inside the 349×352 raster/);
      expect(existsSync(join(root, 'x'))).toBe(false);
    } finally {
      delete process.env.SATDIFUSER_MODELS;
    }
  });
});
