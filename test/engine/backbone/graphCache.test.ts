// The on-disk ONNX graph cache: a graph is reused only for the same weights, config, size and builder format,
// is never seen half-written, and a rebuild removes the build it replaces.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BackboneRuntime, GRAPH_FORMAT, graphCacheDir, graphFileName } from '../../../src/engine/backbone/backboneRuntime';
import { importDiffusionSat } from '../../../src/engine/backbone/importDiffusionSat';
import { loadBackbone } from '../../../src/engine/backbone/modelStore';
import { writeDiffusionSatFolder } from './helpers/diffusionSatFolder';

const root = mkdtempSync(join(tmpdir(), 'graph-cache-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const graphs = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.onnx')).sort();

describe('ONNX graph cache', () => {
  it('names a graph by everything its bytes depend on', () => {
    const w = join(root, 'w.safetensors');
    writeFileSync(w, 'x');
    utimesSync(w, 1_700_000_000, 1_700_000_000);
    const base = graphFileName('unet_taps', 32, 32, { a: 1 }, w);
    expect(base).toMatch(/^unet_taps_32x32_[0-9a-f]{16}\.onnx$/);
    expect(graphFileName('unet_taps', 32, 32, { a: 1 }, w)).toBe(base);
    expect(graphFileName('unet_taps', 32, 64, { a: 1 }, w)).not.toBe(base);
    expect(graphFileName('unet_taps', 32, 32, { a: 2 }, w)).not.toBe(base);
    expect(graphFileName('encoder', 32, 32, { a: 1 }, w)).not.toBe(base);
    utimesSync(w, 1_700_000_001, 1_700_000_001);
    expect(graphFileName('unet_taps', 32, 32, { a: 1 }, w)).not.toBe(base);
    expect(GRAPH_FORMAT).toBeGreaterThanOrEqual(2); // format 1: names keyed by the weights' mtime alone
  });

  it('reuses a built graph, rebuilds (and drops the old build) when the weights change, ignores stale files of older formats', async () => {
    const src = writeDiffusionSatFolder(join(root, 'DiffusionSat-256'), 'safetensors');
    const res = await importDiffusionSat({ source: src, threads: 1, store: join(root, 'store') });
    const model = loadBackbone(res.dir);
    const cache = graphCacheDir(model);
    // What an older build left: a graph named by the weights' mtime alone, and a half-written one.
    const [encOld, unetOld] = ['encoder_64x64_lz1q2w.onnx', 'unet_taps_8x8_lz1q2w.onnx'];
    mkdirSync(cache, { recursive: true });
    writeFileSync(join(cache, encOld), 'not a graph');
    writeFileSync(join(cache, unetOld), 'half-writ');

    const first = await BackboneRuntime.open(model, 64, 64, { threads: 1 });
    const a = await first.encode(new Float32Array(3 * 64 * 64).fill(0.25), 1);
    await first.release();
    const built = graphs(cache);
    expect(built).toHaveLength(2);
    expect(built).not.toContain(encOld);
    expect(built).not.toContain(unetOld);
    expect(readdirSync(cache).some((f) => f.startsWith('.building-'))).toBe(false);

    const again = await BackboneRuntime.open(model, 64, 64, { threads: 1 });
    await again.release();
    expect(graphs(cache)).toEqual(built);

    // New weights (same path, new mtime): the UNet graph is rebuilt under a new name and the old one goes;
    // the autoencoder graph stays.
    const t = Date.now() / 1000 + 60;
    utimesSync(model.unetWeights, t, t);
    const third = await BackboneRuntime.open(model, 64, 64, { threads: 1 });
    const b = await third.encode(new Float32Array(3 * 64 * 64).fill(0.25), 1);
    await third.release();
    const rebuilt = graphs(cache);
    expect(rebuilt).toHaveLength(2);
    expect(rebuilt.filter((f) => built.includes(f))).toEqual(built.filter((f) => f.startsWith('encoder_')));
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
  });
});
