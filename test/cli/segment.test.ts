// `segment --default` / `classify --default`: the head shipped with the default backbone is found (heads/ folder or
// backbone.json "default_heads"), checked like any head (backbone weights hash, bands, GSD warning), and a task
// with no shipped head gets a message that says what to do.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { findDefaultHead, requireDefaultHead, shippedHeads } from '../../src/engine/api/defaultHead';
import { sampleScene } from '../helpers/shared';

const dir = mkdtempSync(join(tmpdir(), 'sdf-default-head-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const shippedModel = resolve('models/satdifuser-tiny');
const shippedHead = join(shippedModel, 'heads', 'sample-landcover');
const cli = (args: string[], env: Record<string, string> = {}) => {
  const r = spawnSync(process.execPath, ['bin/satdifuser.mjs', ...args], {
    encoding: 'utf8', env: { ...process.env, SATDIFUSER_STORE: join(dir, 'store.sqlite'), ...env }, timeout: 240_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};
const gdal = (...args: string[]) => {
  const r = spawnSync(args[0], args.slice(1), { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};

/** A backbone folder sharing the shipped model's files (symlinks), with its own heads/ and backbone.json. */
function modelCopy(name: string, o: { heads?: Record<string, string>; card?: (c: Record<string, unknown>) => void; unet?: (bytes: Buffer) => void } = {}): string {
  const m = join(dir, name);
  mkdirSync(join(m, 'heads'), { recursive: true });
  for (const f of readdirSync(shippedModel)) {
    if (f === 'heads' || f === 'backbone.json') continue;
    if (f === 'diffusion_pytorch_model.safetensors' && o.unet) {
      const bytes = readFileSync(join(shippedModel, f));
      o.unet(bytes);
      writeFileSync(join(m, f), bytes);
    } else symlinkSync(join(shippedModel, f), join(m, f));
  }
  const card = JSON.parse(readFileSync(join(shippedModel, 'backbone.json'), 'utf8'));
  o.card?.(card);
  writeFileSync(join(m, 'backbone.json'), JSON.stringify(card));
  for (const [folder, headJson] of Object.entries(o.heads ?? {})) {
    mkdirSync(join(m, 'heads', folder));
    writeFileSync(join(m, 'heads', folder, 'head.json'), headJson);
    symlinkSync(join(shippedHead, 'weights.safetensors'), join(m, 'heads', folder, 'weights.safetensors'));
  }
  return m;
}

const headJson = readFileSync(join(shippedHead, 'head.json'), 'utf8');
const asTask = (task: 'seg' | 'cls', name: string) => {
  const c = JSON.parse(headJson);
  return JSON.stringify({ ...c, name, spec: { ...c.spec, task } });
};

describe('default head discovery', () => {
  const saved = process.env.SATDIFUSER_DEFAULT_BACKBONE;
  afterEach(() => {
    if (saved === undefined) delete process.env.SATDIFUSER_DEFAULT_BACKBONE;
    else process.env.SATDIFUSER_DEFAULT_BACKBONE = saved;
  });

  it('finds the shipped segmentation head and no classification head', () => {
    delete process.env.SATDIFUSER_DEFAULT_BACKBONE;
    expect(findDefaultHead('seg')).toMatchObject({ folder: shippedHead, name: 'sample-landcover', task: 'seg', backboneDir: shippedModel });
    expect(findDefaultHead('cls')).toBeNull();
    expect(() => requireDefaultHead('cls')).toThrow(/There is no default classification head: the default backbone .* ships no classification head/);
  });

  it('scans heads/ by folder name, skips damaged cards, and prefers backbone.json "default_heads"', () => {
    const scanned = modelCopy('scan', { heads: { 'a-broken': '{ not json', 'b-cls': asTask('cls', 'scenes'), 'c-seg': asTask('seg', 'first'), 'd-seg': asTask('seg', 'second') } });
    process.env.SATDIFUSER_DEFAULT_BACKBONE = scanned;
    expect(shippedHeads().map((h) => h.name)).toEqual(['scenes', 'first', 'second']);
    expect(findDefaultHead('seg')?.name).toBe('first');
    expect(findDefaultHead('cls')?.folder).toBe(join(scanned, 'heads', 'b-cls'));
    const named = modelCopy('named', {
      heads: { 'c-seg': asTask('seg', 'first'), 'd-seg': asTask('seg', 'second') },
      card: (c) => { c.default_heads = { seg: 'heads/d-seg', cls: 'heads/missing' }; },
    });
    process.env.SATDIFUSER_DEFAULT_BACKBONE = named;
    expect(findDefaultHead('seg')?.name).toBe('second');
    expect(findDefaultHead('cls')).toBeNull(); // a named folder that is not there is no head
  });
});

describe('satdifuser segment --default / classify --default', () => {
  it('segments with the shipped head and warns when the raster GSD is far from the head\'s 28.5 m', () => {
    // The sample's first 256² window relabelled as 0.5 m pixels: same bands, a GSD the head never saw.
    const fine = join(dir, 'fine.tif');
    const gt = JSON.parse(gdal('gdalinfo', '-json', sampleScene)).geoTransform as number[];
    gdal('gdal_translate', '-q', '-srcwin', '0', '0', '256', '256', '-a_ullr', String(gt[0]), String(gt[3]), String(gt[0] + 128), String(gt[3] - 128), sampleScene, fine);
    const mask = join(dir, 'fine_classes.tif');
    const r = cli(['segment', fine, '--default', '--out', mask, '--threads', '1']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/Default head: sample-landcover \(.*heads\/sample-landcover\) on satdifuser-tiny/);
    expect(r.stderr).toMatch(/Warning: The raster's ground sample distance is 0\.500 m; the head was trained at 28\.5 m\./);
    expect(r.stdout).toMatch(/1 tiles \(0 from the cache, 1 extracted\); classes:/);
    const g = JSON.parse(gdal('gdalinfo', '-json', mask));
    expect(g.size).toEqual([256, 256]);
    expect(g.geoTransform).toEqual([gt[0], 0.5, 0, gt[3], 0, -0.5]);
    expect(g.metadata['']).toMatchObject({ HEAD: 'sample-landcover', MODEL: 'satdifuser-tiny' });
    // The sample itself, at its own GSD: no warning.
    const own = cli(['segment', sampleScene, '--default', '--out', join(dir, 'own.tif'), '--threads', '1']);
    expect(own.status, own.stderr).toBe(0);
    expect(own.stderr).not.toMatch(/Warning/);
  }, 300_000);

  it('--provider cuda without a CUDA library falls back to the CPU, says why, and gives the same mask; a wrong value is refused', () => {
    const cpuMask = join(dir, 'cpu.tif');
    const cudaMask = join(dir, 'cuda.tif');
    // Separate stores: both runs compute their features (a cache hit would not open the backbone's sessions).
    const cpu = cli(['segment', sampleScene, '--default', '--out', cpuMask, '--threads', '1', '--store', join(dir, 'p_cpu.sqlite')]);
    expect(cpu.status, cpu.stderr).toBe(0);
    expect(cpu.stderr).not.toMatch(/^provider:/m);
    const cuda = cli(['segment', sampleScene, '--default', '--out', cudaMask, '--threads', '1', '--provider', 'cuda', '--store', join(dir, 'p_cuda.sqlite')]);
    expect(cuda.status, cuda.stderr).toBe(0);
    // This machine's onnxruntime build has no usable CUDA library: each backbone session says so and runs on the CPU.
    expect(cuda.stderr).toMatch(/^provider: .*running on cpu; cuda not used: .+$/m);
    const bytes = (f: string) => gdal('gdal_translate', '-q', '-of', 'AAIGrid', f, '/vsistdout/');
    expect(bytes(cudaMask)).toBe(bytes(cpuMask));
    const bad = cli(['segment', sampleScene, '--default', '--out', join(dir, 'bad.tif'), '--provider', 'tpu']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--provider must be one of cpu, cuda, dml, webgpu; got "tpu"/);
  }, 300_000);

  it('refuses a raster without the head\'s bands, and the head on a different version of the backbone', () => {
    const oneBand = join(dir, 'one_band.tif');
    gdal('gdal_translate', '-q', '-b', '1', sampleScene, oneBand);
    const r = cli(['segment', oneBand, '--default', '--out', join(dir, 'x.tif')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/reads bands 3, 2, 1, but .*one_band\.tif" has 1 band/);
    // Same model name, one UNet weight changed: the head's recorded weights hash no longer matches.
    const other = modelCopy('retrained', { heads: { 'sample-landcover': headJson }, unet: (b) => { b[b.length - 2] ^= 0x01; } });
    const m = cli(['segment', sampleScene, '--default', '--out', join(dir, 'y.tif')], { SATDIFUSER_DEFAULT_BACKBONE: other });
    expect(m.status).toBe(1);
    expect(m.stderr).toMatch(/trained on a different version of the backbone "satdifuser-tiny"/);
  });

  it('says there is no default head, and what to do, when none is shipped for the task', () => {
    const bare = modelCopy('bare');
    const seg = cli(['segment', sampleScene, '--default', '--out', join(dir, 'z.tif')], { SATDIFUSER_DEFAULT_BACKBONE: bare });
    expect(seg.status).toBe(1);
    expect(seg.stderr).toMatch(/There is no default segmentation head: the default backbone .*bare\) ships no segmentation head in its heads\/ folder/);
    expect(seg.stderr).toMatch(/satdifuser train --task seg --backbone default/);
    const cls = cli(['classify', sampleScene, '--default']);
    expect(cls.status).toBe(1);
    expect(cls.stderr).toMatch(/There is no default classification head/);
    expect(cls.stderr).toMatch(/use `satdifuser segment --default`/);
  });
});
