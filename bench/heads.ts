// `npm run bench -- heads [--steps N] [--threads N] [--no-torch]`
//
// What the heads cost on this CPU, over cached features (the backbone is not run):
//   1. one training step (forward + backward + Adam, batch 8, 256² tiles) for every fusion, faithful and light,
//      on the default backbone's tap layout (the shipped model's, else its architecture's widths 32/64/64/64);
//   2. the same step in PyTorch (tools/reference_heads: the release's structure, per-timestep loops) for GW,
//      faithful and light, measured in the same run with the same thread count: ratio = PyTorch ÷ ours;
//   3. an epoch over the Dubai training set (552 tiles = 69 steps of 8, plus validating 96 holdout tiles),
//      computed from the measured step and inference times;
//   4. inference per 256² tile (folded BatchNorm) for every fusion and size;
//   5. "labels ready → trained light head": the sample scene with its 21 label polygons, features already in the
//      cache (a first run fills a temporary cache, the second is timed), the light GW recipe, wall time.
// Last line: heads: light_retrain_s=… faithful_epoch_s=… light_epoch_s=… …
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadBackbone } from '../src/engine/backbone/modelStore';
import { readManifest } from '../src/engine/heads/dataset/manifest';
import { defaultModelName, modelLayout } from '../src/engine/heads/features/extractors';
import { buildHeadGraph, DROPOUT_MASK, LOGITS } from '../src/engine/heads/graph/build';
import { MOE_DENSE } from '../src/engine/heads/graph/fusion';
import { CLASS_WEIGHTS, compileHeadTraining, LABELS } from '../src/engine/heads/graph/training';
import { diffusionSatLayout, type FusionName, type HeadSizeName, type HeadSpec, makeSpec, type TapLayout } from '../src/engine/heads/spec';
import { trainFromDataset } from '../src/engine/heads/train/run';
import { Rng } from '../src/engine/nn/rng';
import { serializeModel } from '../src/engine/nn/serialize';
import { Trainer } from '../src/engine/nn/train/trainer';
import { Session, Tensor } from '../src/engine/runtime';
import { openStore } from '../src/engine/store/store';

const args = process.argv.slice(2);
const flag = (name: string, dflt: string) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1]! : dflt);
const STEPS = Number(flag('steps', '3'));
const THREADS = Number(flag('threads', '2'));
const TORCH = !args.includes('--no-torch');
const B = 8, TILE = 256, CLASSES = 6;
const DUBAI_TRAIN_TILES = 552, DUBAI_HOLDOUT_TILES = 96;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const log = (s: string) => process.stdout.write(s + '\n');

function defaultModel(): string | null {
  try {
    return defaultModelName();
  } catch {
    return null;
  }
}

function layout(): { layout: TapLayout; source: string } {
  const dir = defaultModel();
  if (dir) {
    const m = loadBackbone(dir);
    return { layout: modelLayout(m, TILE), source: `the default backbone ${m.name} (${dir})` };
  }
  return { layout: diffusionSatLayout([32, 64, 64, 64], TILE), source: 'the default backbone architecture (widths 32/64/64/64; no model installed)' };
}

function feedsFor(spec: HeadSpec, batch: number, rng: Rng, training: boolean): Record<string, Tensor> {
  const f: Record<string, Tensor> = {};
  for (const t of spec.layout.timesteps) {
    spec.layout.scales.forEach((s, k) => {
      const c = s.taps.reduce((n, x) => n + x.channels, 0);
      f[`t${t}_s${k + 1}`] = Tensor.of('float32', Float32Array.from({ length: batch * c * s.size * s.size }, () => rng.normal()), [batch, c, s.size, s.size]);
    });
  }
  if (!training) return f;
  f[LABELS] = Tensor.of('uint8', Uint8Array.from({ length: batch * TILE * TILE }, () => rng.int(CLASSES)), [batch, TILE, TILE]);
  f[CLASS_WEIGHTS] = Tensor.of('float32', new Float32Array(CLASSES).fill(1), [CLASSES]);
  f[DROPOUT_MASK] = Tensor.of('float32', Float32Array.from({ length: batch * spec.widths.decoderChannels }, () => (rng.uniform() >= 0.1 ? 1 / 0.9 : 0)), [batch, spec.widths.decoderChannels, 1, 1]);
  if (spec.fusion === 'moe') f[MOE_DENSE] = Tensor.of('bool', Uint8Array.of(0), []);
  return f;
}

async function trainStep(spec: HeadSpec): Promise<{ stepMs: number; sessionMs: number }> {
  const compiled = compileHeadTraining(spec, { batch: B, routing: spec.fusion === 'moe' ? 'switch' : 'topk' });
  const t0 = performance.now();
  const trainer = await Trainer.create(compiled, { session: { providers: ['cpu'], intraOpThreads: THREADS, optimization: 'basic' } });
  const sessionMs = performance.now() - t0;
  const feeds = feedsFor(spec, B, new Rng(1), true);
  const times: number[] = [];
  try {
    for (let i = 0; i <= STEPS; i++) {
      const r = await trainer.trainStep(feeds, 0.01);
      if (i > 0) times.push(r.runMs + r.overheadMs);
    }
  } finally {
    await trainer.release();
  }
  return { stepMs: median(times), sessionMs };
}

async function inferTile(spec: HeadSpec, batch: number): Promise<number> {
  // random weights stand in for trained ones: folding needs values, the cost does not depend on them
  const init = buildHeadGraph(spec, { mode: 'eval' }).graph;
  const weights = new Map<string, Float32Array>([...init.params.keys()].map((k) => [k, init.paramData(k) as Float32Array]));
  const s = await Session.create(serializeModel(buildHeadGraph(spec, { mode: 'infer', weights }).graph), { providers: ['cpu'], intraOpThreads: THREADS });
  const feeds = feedsFor(spec, batch, new Rng(2), false);
  const times: number[] = [];
  try {
    for (let i = 0; i <= STEPS; i++) {
      const t = performance.now();
      await s.run(feeds, { fetches: [LOGITS] });
      if (i > 0) times.push((performance.now() - t) / batch);
    }
  } finally {
    await s.release();
  }
  return median(times);
}

function torchStep(spec: HeadSpec): { stepMs: number; blas: string[]; gflops: number } | null {
  const cfg = {
    task: 'seg', fusion: spec.fusion, tapDims: spec.layout.scales.map((s) => s.taps.map((t) => t.channels)), scaleSizes: spec.layout.scales.map((s) => s.size),
    timesteps: spec.layout.timesteps.length, projection: spec.widths.projection, bottleneck: spec.widths.bottleneck, normGroups: spec.widths.normGroups,
    decoderChannels: spec.widths.decoderChannels, poolScales: spec.poolScales, numClasses: CLASSES, numExperts: spec.numExperts, topK: spec.topK,
    batch: B, outSize: [TILE, TILE], steps: Math.max(1, STEPS - 1), threads: THREADS,
  };
  const r = spawnSync('/usr/bin/python3', [resolve('tools/reference_heads/bench_step.py'), JSON.stringify(cfg)], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) {
    log(`  PyTorch reference failed: ${r.stderr.split('\n').filter(Boolean).pop()}`);
    return null;
  }
  const j = JSON.parse(r.stdout.trim().split('\n').pop()!);
  return { stepMs: j.step_ms, blas: j.blas, gflops: j.matmul_gflops };
}

async function retrain(): Promise<{ seconds: number; backbone: string; mIoU: number | undefined }> {
  const backbone = defaultModel() ? 'default' : 'pixels';
  const dir = mkdtempSync(join(tmpdir(), 'bench-heads-'));
  const store = openStore(join(dir, 'features.sqlite'));
  const manifest = join(dir, 'sample.json');
  writeFileSync(manifest, JSON.stringify([{ raster: resolve('resources/sample/L7_ETMs.tif'), labels: resolve('test/fixtures/heads/sample_labels.geojson') }]));
  try {
    const run = () => trainFromDataset({
      task: 'seg', fusion: 'gw', size: 'light', backbone, dataset: readManifest(manifest), out: join(dir, 'head'), bands: [2, 1, 0],
      cache: store.cache, threads: THREADS, seed: 0,
    });
    await run(); // fills the feature cache
    const t = performance.now();
    const card = await run();
    return { seconds: (performance.now() - t) / 1000, backbone, mIoU: card.metrics?.mIoU };
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const { layout: lay, source } = layout();
log(`heads benchmark: ${THREADS} threads, batch ${B}, ${TILE}² tiles, ${STEPS} timed steps (median) after one warm-up`);
log(`tap layout: ${source}: ${lay.scales.map((s) => `${s.taps.length}×${s.taps[0]!.channels}@${s.size}²`).join(', ')} × ${lay.timesteps.length} timesteps`);
const results: Record<string, number> = {};
log('\ntraining step (ms)          light     faithful   (session creation s: light / faithful)');
for (const fusion of ['gw', 'lw', 'moe', 'concat'] as FusionName[]) {
  const row: string[] = [];
  const sess: string[] = [];
  for (const size of ['light', 'faithful'] as HeadSizeName[]) {
    const spec = makeSpec({ task: 'seg', fusion, size, layout: lay, numClasses: CLASSES });
    const r = await trainStep(spec);
    results[`${size}_${fusion}_step_ms`] = r.stepMs;
    row.push(r.stepMs.toFixed(0).padStart(9));
    sess.push((r.sessionMs / 1000).toFixed(1));
  }
  log(`  ${fusion.padEnd(24)}${row.join('    ')}   (${sess.join(' / ')})`);
}
let ratioLight = NaN, ratioFaithful = NaN;
if (TORCH) {
  log('\nPyTorch reference (tools/reference_heads, same shapes, Adam, CE; torch.set_num_threads same), GW:');
  for (const size of ['light', 'faithful'] as HeadSizeName[]) {
    const spec = makeSpec({ task: 'seg', fusion: 'gw', size, layout: lay, numClasses: CLASSES });
    const t = torchStep(spec);
    if (!t) continue;
    const ours = results[`${size}_gw_step_ms`]!;
    if (size === 'light') ratioLight = t.stepMs / ours;
    else ratioFaithful = t.stepMs / ours;
    log(`  ${size}: PyTorch ${t.stepMs.toFixed(0)} ms/step vs ours ${ours.toFixed(0)} ms → ratio ${(t.stepMs / ours).toFixed(2)} (BLAS ${t.blas.map((b) => b.split('/').pop()).join(', ') || 'none found'}, 2048² matmul ${t.gflops.toFixed(0)} GFLOP/s)`);
  }
}
log('\ninference per 256² tile (ms, BatchNorm folded)   light b1   light b8   faithful b1   faithful b8');
for (const fusion of ['gw', 'lw', 'moe', 'concat'] as FusionName[]) {
  const cells: string[] = [];
  for (const size of ['light', 'faithful'] as HeadSizeName[]) {
    const spec = makeSpec({ task: 'seg', fusion, size, layout: lay, numClasses: CLASSES });
    for (const b of [1, 8]) {
      const ms = await inferTile(spec, b);
      results[`infer_${size}_${fusion}_b${b}_ms`] = ms;
      cells.push(ms.toFixed(1).padStart(10));
    }
  }
  log(`  ${fusion.padEnd(46)}${cells.join(' ')}`);
}
const epoch = (size: HeadSizeName) => (DUBAI_TRAIN_TILES / B) * results[`${size}_gw_step_ms`]! / 1000 + DUBAI_HOLDOUT_TILES * results[`infer_${size}_gw_b8_ms`]! / 1000;
log(`\nepoch over the Dubai training set (${DUBAI_TRAIN_TILES / B} steps + validating ${DUBAI_HOLDOUT_TILES} tiles), GW: light ${epoch('light').toFixed(0)} s, faithful ${epoch('faithful').toFixed(0)} s (computed from the timings above)`);
const rt = await retrain();
log(`labels ready → trained light GW head, sample scene, 21 polygons, features cached, backbone ${rt.backbone}: ${rt.seconds.toFixed(1)} s (holdout mIoU ${rt.mIoU === undefined ? '–' : (100 * rt.mIoU).toFixed(1)} %; target ≤ 30 s)`);
const f = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : 'nan');
log(`heads: light_retrain_s=${f(rt.seconds, 1)} faithful_epoch_s=${f(epoch('faithful'), 0)} light_epoch_s=${f(epoch('light'), 0)} faithful_gw_step_ms=${f(results.faithful_gw_step_ms!, 0)} light_gw_step_ms=${f(results.light_gw_step_ms!, 0)} faithful_gw_vs_pytorch=${f(ratioFaithful)} light_gw_vs_pytorch=${f(ratioLight)} infer_light_gw_ms=${f(results.infer_light_gw_b8_ms!, 1)} infer_faithful_gw_ms=${f(results.infer_faithful_gw_b8_ms!, 1)} infer_faithful_moe_ms=${f(results.infer_faithful_moe_b8_ms!, 1)}`);
