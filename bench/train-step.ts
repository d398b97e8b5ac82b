// `npm run bench -- train-step [--only faithful|light] [--steps N] [--threads N] [--reuse-buffers]`
//
// One training step of a SatDiFuser head (Global Weighted fusion over 21 taps × 3 timesteps at 256² input, then
// UPerNet; batch 8; bench/_train-step-model.ts) as one ONNX training graph run by onnxruntime, against the same
// head, weights, inputs and Adam in PyTorch (Debian's torch 1.13, CPU, same thread count), measured in the same
// run. Each side runs in its own process so peak memory is its own. Prints the step time split and peak RSS,
// checks that both sides computed the same first loss, and ends with
//   train-step: faithful_vs_pytorch=<PyTorch step time ÷ ours> light_vs_pytorch=<…>
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type HeadConfig, FAITHFUL, LIGHT, buildHead, tapName, tapShapes } from './_train-step-model';
import { gradients } from '../src/engine/nn/autodiff/grad';
import type { TypedArray } from '../src/engine/nn/dtype';
import { Graph } from '../src/engine/nn/graph';
import * as op from '../src/engine/nn/ops';
import { Rng } from '../src/engine/nn/rng';
import { serializeModel } from '../src/engine/nn/serialize';
import { compileTraining } from '../src/engine/nn/train/training-graph';
import { Trainer } from '../src/engine/nn/train/trainer';
import { Session, Tensor } from '../src/engine/runtime';

const PYTHON = '/usr/bin/python3';
const here = fileURLToPath(new URL('.', import.meta.url));
const args = process.argv.slice(2);
const flag = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const STEPS = Number(flag('steps', '3'));
const THREADS = Number(flag('threads', '2'));
const SEED = 42;
const LR = 0.01;

interface OrtResult {
  config: string;
  build_s: number;
  session_s: number;
  nodes: number;
  params: number;
  step_s: number;
  forward_s: number;
  backward_s: number;
  optimizer_s: number;
  transfer_s: number;
  steps_s: number[];
  losses: number[];
  peak_rss_mb: number;
}

interface TorchResult {
  step_s: number;
  forward_s: number;
  backward_s: number;
  optimizer_s: number;
  losses: number[];
  peak_rss_mb: number;
  blas_libs: string[];
  matmul_gflops: number;
  torch: string;
  threads: number;
  mkldnn: boolean;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const bytesOf = (d: TypedArray) => new Uint8Array(d.buffer, d.byteOffset, d.byteLength);

/** Deterministic inputs: features ~ N(0,1) per tap, a Dropout2d keep-mask, uniform labels. */
function makeInputs(c: HeadConfig): Record<string, Tensor> {
  const rng = new Rng(SEED + 1);
  const feeds: Record<string, Tensor> = {};
  tapShapes(c).forEach((s, i) => {
    const n = s.reduce((a, b) => a * b, 1);
    const d = new Float32Array(n);
    for (let k = 0; k < n; k++) d[k] = rng.normal();
    feeds[tapName(i)] = Tensor.of('float32', d, s);
  });
  feeds.dropout_mask = Tensor.of('float32', Float32Array.from({ length: c.batch * c.channels }, () => (rng.uniform() >= c.dropout ? 1 : 0)), [c.batch, c.channels, 1, 1]);
  feeds.labels = Tensor.of('int64', BigInt64Array.from({ length: c.batch * c.labelSize ** 2 }, () => BigInt(rng.int(c.classes))), [c.batch, c.labelSize, c.labelSize]);
  return feeds;
}

/** Writes weights and inputs as raw files + an index for tools/bench_torch/train_step.py. */
function writeForTorch(dir: string, c: HeadConfig, trainer: Trainer, feeds: Record<string, Tensor>): void {
  const weights = trainer.slots().filter((s) => s.kind !== 'moment').map((s, i) => {
    const file = `${c.name}.w${i}.bin`;
    writeFileSync(join(dir, file), bytesOf(trainer.value(s.input).data));
    return { name: s.input, shape: s.shape, file };
  });
  const raw = (name: string) => {
    const file = `${c.name}.${name}.bin`;
    writeFileSync(join(dir, file), bytesOf(feeds[name].data));
    return { file, shape: feeds[name].dims };
  };
  const taps = tapShapes(c).map((_, i) => raw(tapName(i)));
  writeFileSync(join(dir, `${c.name}.json`), JSON.stringify({ config: c, lr: LR, weights, taps, mask: raw('dropout_mask'), labels: raw('labels') }));
}

/** Forward-only and forward+backward graphs of the same head, for the time split. */
async function splitSessions(c: HeadConfig): Promise<{ forward: Session; backward: Session }> {
  const opts = { providers: ['cpu' as const], intraOpThreads: THREADS, interOpThreads: 1 };
  const f = buildHead(c, SEED);
  f.g.output(f.loss, 'loss');
  const forward = await Session.create(serializeModel(f.g, { paramsAs: 'inputs' }), { ...opts, label: 'the forward graph' });
  const b = buildHead(c, SEED);
  const grads = gradients(b.loss, b.g.trainableParams);
  // One scalar that depends on every gradient, so the whole backward pass runs but almost nothing is copied out.
  const probe = b.g.op1('Sum', [...grads.values()].map((d) => op.sumAll(d)));
  b.g.output(b.loss, 'loss');
  b.g.output(probe, 'grad_probe');
  for (const [name, v] of b.g.bufferUpdates) b.g.output(v, `next.${name}`);
  const backward = await Session.create(serializeModel(b.g, { paramsAs: 'inputs' }), { ...opts, label: 'the forward+backward graph' });
  return { forward, backward };
}

/** The cost of moving the step's state outputs back to JS: an Identity graph over the same tensors. */
async function transferCost(trainer: Trainer): Promise<number> {
  const g = new Graph({ name: 'transfer' });
  const feeds: Record<string, Tensor> = {};
  for (const s of trainer.slots()) {
    if (!s.output) continue;
    const v = g.input(s.input, s.dtype, s.shape);
    g.output(op.identity(v), `out.${s.input}`);
    feeds[s.input] = trainer.value(s.input);
  }
  const session = await Session.create(serializeModel(g), { providers: ['cpu'], intraOpThreads: THREADS });
  const ts: number[] = [];
  for (let i = 0; i < STEPS + 1; i++) {
    const t = performance.now();
    await session.run(feeds);
    if (i > 0) ts.push(performance.now() - t);
  }
  await session.release();
  return median(ts) / 1000;
}

async function worker(c: HeadConfig, dir: string, reuseBuffers: boolean): Promise<OrtResult> {
  let t = performance.now();
  const { g, loss } = buildHead(c, SEED);
  const compiled = compileTraining(g, loss, { optimizer: { kind: 'adam' } });
  const build = (performance.now() - t) / 1000;
  t = performance.now();
  const trainer = await Trainer.create(compiled, { session: { providers: ['cpu'], intraOpThreads: THREADS, interOpThreads: 1, label: `the ${c.name} training graph` }, reuseBuffers });
  const session = (performance.now() - t) / 1000;
  const feeds = makeInputs(c);
  writeForTorch(dir, c, trainer, feeds);
  const { forward, backward } = await splitSessions(c);
  const stateFeeds = () => {
    const f: Record<string, Tensor> = { ...feeds };
    for (const s of trainer.slots()) if (s.kind !== 'moment') f[s.input] = trainer.value(s.input);
    return f;
  };
  const losses: number[] = [];
  const steps: number[] = [];
  const fw: number[] = [];
  const fb: number[] = [];
  for (let i = 0; i < STEPS + 1; i++) {
    // Time the forward and forward+backward graphs on the weights this step starts from.
    const sf = stateFeeds();
    let t0 = performance.now();
    await forward.run(sf);
    const tf = performance.now() - t0;
    t0 = performance.now();
    await backward.run(sf);
    const tb = performance.now() - t0;
    t0 = performance.now();
    const r = await trainer.trainStep(feeds, LR);
    const ts = performance.now() - t0;
    losses.push(r.loss);
    if (i > 0) {
      steps.push(ts / 1000);
      fw.push(tf / 1000);
      fb.push(tb / 1000);
    }
  }
  const transfer = await transferCost(trainer);
  const step = median(steps);
  const f = median(fw);
  const b = Math.max(median(fb) - f, 0);
  const result: OrtResult = {
    config: c.name, build_s: build, session_s: session, nodes: g.nodes.length,
    params: compiled.state.filter((s) => s.kind === 'param').reduce((a, s) => a + s.init.length, 0),
    step_s: step, forward_s: f, backward_s: b, transfer_s: transfer, optimizer_s: Math.max(step - f - b - transfer, 0),
    steps_s: steps, losses, peak_rss_mb: process.resourceUsage().maxRSS / 1024,
  };
  await Promise.all([forward.release(), backward.release(), trainer.release()]);
  return result;
}

function runChild(cmd: string, argv: string[]): string {
  const r = spawnSync(cmd, argv, { encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed with status ${r.status}`);
  const line = r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (!line) throw new Error(`${cmd} printed no result:\n${r.stdout}`);
  return line;
}

const fmt = (s: number) => `${(s * 1000).toFixed(0).padStart(7)} ms`;

async function main(): Promise<void> {
  const w = args.indexOf('--worker');
  if (w >= 0) {
    const c = args[w + 1] === 'light' ? LIGHT : FAITHFUL;
    console.log(JSON.stringify(await worker(c, flag('dir', ''), args.includes('--reuse-buffers'))));
    return;
  }
  const only = flag('only', '');
  const configs = [FAITHFUL, LIGHT].filter((c) => !only || c.name === only);
  const dir = mkdtempSync(join(tmpdir(), 'satdifuser-train-step-'));
  mkdirSync(dir, { recursive: true });
  const ratios: Record<string, number> = {};
  try {
    for (const c of configs) {
      console.log(`\n== ${c.name}: GW fusion (P ${c.proj}, bottleneck ${c.bottleneck}) over ${tapShapes(c).length} taps × ${c.timesteps} timesteps + UPerNet ${c.channels}, batch ${c.batch}, ${STEPS} timed steps, ${THREADS} threads`);
      const ort = JSON.parse(runChild(process.execPath, ['--import', 'tsx', join(here, 'train-step.ts'), '--worker', c.name, '--dir', dir, '--steps', String(STEPS), '--threads', String(THREADS), ...(args.includes('--reuse-buffers') ? ['--reuse-buffers'] : [])])) as OrtResult;
      const torch = JSON.parse(runChild(PYTHON, [join(here, '..', 'tools', 'bench_torch', 'train_step.py'), '--data', dir, '--config', c.name, '--steps', String(STEPS), '--threads', String(THREADS)])) as TorchResult;
      if (torch.matmul_gflops < 30 || !torch.blas_libs.some((l) => l.includes('openblas'))) {
        throw new Error(`PyTorch is not on OpenBLAS (${torch.blas_libs.join(', ') || 'no BLAS mapped'}, 2048² matmul ${torch.matmul_gflops.toFixed(1)} GFLOP/s): install libopenblas0-pthread; a reference-BLAS baseline is meaningless.`);
      }
      console.log(`PyTorch ${torch.torch}, ${torch.threads} threads, oneDNN ${torch.mkldnn}, BLAS ${torch.blas_libs.join(', ')} (2048² matmul ${torch.matmul_gflops.toFixed(0)} GFLOP/s)`);
      console.log(`ONNX graph: ${ort.nodes} nodes, ${(ort.params / 1e6).toFixed(2)} M parameters; build ${ort.build_s.toFixed(1)} s, session ${ort.session_s.toFixed(1)} s`);
      console.log('                 onnxruntime      PyTorch');
      console.log(`forward       ${fmt(ort.forward_s)}   ${fmt(torch.forward_s)}`);
      console.log(`backward      ${fmt(ort.backward_s)}   ${fmt(torch.backward_s)}`);
      console.log(`optimizer     ${fmt(ort.optimizer_s)}   ${fmt(torch.optimizer_s)}`);
      console.log(`data transfer ${fmt(ort.transfer_s)}   ${fmt(0)}`);
      console.log(`step          ${fmt(ort.step_s)}   ${fmt(torch.step_s)}`);
      console.log(`peak RSS      ${ort.peak_rss_mb.toFixed(0).padStart(7)} MB   ${torch.peak_rss_mb.toFixed(0).padStart(7)} MB`);
      const rel = Math.abs(ort.losses[0] - torch.losses[0]) / Math.abs(torch.losses[0]);
      console.log(`first loss: onnxruntime ${ort.losses[0].toFixed(6)}, PyTorch ${torch.losses[0].toFixed(6)} (relative difference ${rel.toExponential(1)}); last: ${ort.losses.at(-1)!.toFixed(6)} vs ${torch.losses.at(-1)!.toFixed(6)}`);
      if (rel > 1e-3) throw new Error('The two sides did not compute the same loss: the comparison would be meaningless.');
      ratios[c.name] = torch.step_s / ort.step_s;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`train-step: ${Object.entries(ratios).map(([k, v]) => `${k}_vs_pytorch=${v.toFixed(2)}`).join(' ')}`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
