import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readNpy, writeNpy } from '../../../src/engine/backbone/npy';
import { buildTaeEncoderGraph, taesdEncoderSpec } from '../../../src/engine/backbone/taeGraph';
import { WeightSource } from '../../../src/engine/backbone/weightSource';
import { serializeModel } from '../../../src/engine/nn/serialize';
import { openWeights } from '../../../src/engine/nn/weights/open';
import { openRaster } from '../../../src/engine/raster/open';
import { Session, Tensor } from '../../../src/engine/runtime';
import { hasShared, sharedPath } from '../../helpers/shared';
import { agreement } from './helpers/golden';

const hasTorch = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;

// TAEF2 (madebyollin/taesd, FLUX.2 latent space) is a yardstick from ../shared, never copied into the project: its
// fp16 .pth is read by our restricted unpickler, and the graph is compared with PyTorch run live on a real NAIP crop.
describe.skipIf(!hasShared || !hasTorch)('TAEF2 encoder from ../shared vs PyTorch', () => {
  it('encodes a 128² NAIP crop like the reference implementation', async () => {
    const pth = sharedPath('models', 'taesd', 'taef2_encoder.pth');
    const reader = openWeights(pth);
    expect(reader.format).toBe('torch-zip');
    expect(reader.info('11.pool.1.weight').dtype).toBe('float16');
    const g = buildTaeEncoderGraph(taesdEncoderSpec(32, true), new WeightSource(reader), { height: 128, width: 128 });
    reader.close();
    const naip = sharedPath('data', 'scenes', 'naip_timeseries');
    const src = await openRaster(join(naip, readdirSync(naip).filter((n) => n.endsWith('.tif')).sort()[0]));
    const block = await src.read({ window: { x: 300, y: 200, width: 128, height: 128 }, bands: [0, 1, 2] });
    await src.close();
    const img = new Float32Array(3 * 128 * 128);
    block.bands.forEach((b, c) => b.forEach((v, i) => (img[c * 128 * 128 + i] = Number(v) / 255)));
    const dir = mkdtempSync(join(tmpdir(), 'taef2-'));
    writeNpy(join(dir, 'in.npy'), img, [1, 3, 128, 128]);
    const r = spawnSync('/usr/bin/python3', ['tools/reference/run_tae.py', pth, '32', '1', join(dir, 'in.npy'), join(dir, 'out.npy')], { cwd: process.cwd(), env: { ...process.env, PYTHONPATH: 'tools/reference' }, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const s = await Session.create(serializeModel(g), { intraOpThreads: 1, providers: ['cpu'] });
    const res = await s.run({ image: Tensor.of('float32', img, [1, 3, 128, 128]) });
    await s.release();
    const a = agreement(res.latent.toFloat32(), readNpy(join(dir, 'out.npy')).data);
    expect(res.latent.dims).toEqual([1, 32, 16, 16]);
    expect(a.cosine).toBeGreaterThan(0.99999);
    expect(a.relMax).toBeLessThan(1e-4);
  });
});
