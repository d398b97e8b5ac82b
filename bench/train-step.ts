// `npm run bench -- train-step [--only faithful|light] [--steps N] [--threads N] [--reuse-buffers]`
//
// One training step of a SatDiFuser head (Global Weighted fusion over 21 taps × 3 timesteps at 256² input, then
// UPerNet; batch 8; bench/_train-step-model.ts) as one ONNX training graph run by onnxruntime, against the same
// head, weights, inputs and Adam in PyTorch (Debian's torch 1.13, CPU, same thread count), measured in the same
// run. Each side runs in its own process (peak memory is its own); the driver alternates their steps, so load
// from other processes on a shared machine hits both sides alike; the ratio uses each side's best step. Prints the
// step time split and peak RSS, checks that both sides computed the same losses, and ends with
//   train-step: faithful_vs_pytorch=<PyTorch step time ÷ ours> light_vs_pytorch=<…>
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type HeadConfig, FAITHFUL, LIGHT, buildHead, tapName, tapShapes } from './_train-step-model';
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

/** The onnxruntime side: sets up, then serves `step`, `mem`, `split`, `quit` from stdin with JSON lines. */
async function worker(c: HeadConfig, dir: string, reuseBuffers: boolean): Promise<void> {
  const reply = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);
  let t = performance.now();
  const { g, loss } = buildHead(c, SEED);
  const compiled = compileTraining(g, loss, { optimizer: { kind: 'adam' } });
  const build = (performance.now() - t) / 1000;
  t = performance.now();
  let trainer: Trainer | undefined = await Trainer.create(compiled, { session: { providers: ['cpu'], intraOpThreads: THREADS, interOpThreads: 1, label: `the ${c.name} training graph` }, reuseBuffers });
  const session = (performance.now() - t) / 1000;
  const feeds = makeInputs(c);
  writeForTorch(dir, c, trainer, feeds);
  const params = compiled.state.filter((st) => st.kind === 'param').reduce((a, st) => a + st.init.length, 0);
  reply({ ready: true, build_s: build, session_s: session, nodes: g.nodes.length, params });
  for await (const line of readLines(process.stdin)) {
    const cmd = line.trim();
    if (cmd === 'step') {
      const t0 = performance.now();
      const r = await trainer!.trainStep(feeds, LR);
      reply({ step_s: (performance.now() - t0) / 1000, loss: r.loss, run_s: r.runMs / 1000 });
    } else if (cmd === 'mem') reply({ peak_rss_mb: process.resourceUsage().maxRSS / 1024 });
    else if (cmd === 'split') {
      // The step's own split: the same training graph in a profiled session (the timed one is released first, so
      // the two never hold memory together), continuing from the same state; onnxruntime's per-node kernel times
      // are summed by the scope autodiff and the optimizer emit their nodes under (grad/, optim/).
      const transfer = await transferCost(trainer!);
      const state = trainer!.fullState();
      const step = trainer!.step;
      await trainer!.release();
      const profiled = await Trainer.create(compiled, { session: { providers: ['cpu'], intraOpThreads: THREADS, interOpThreads: 1, profile: true }, initial: state, step });
      const runs = 2;
      for (let i = 0; i < runs; i++) await profiled.trainStep(feeds, LR);
      const timings = profiled.session.profile();
      await profiled.release();
      trainer = undefined;
      const last = timings.slice(timings.length / runs); // the second run: the first pays for allocations
      const phase = (n: string) => (n.startsWith('optim/') ? 'optimizer' : n.startsWith('grad/') ? 'backward' : 'forward');
      const ms: Record<string, number> = { forward: 0, backward: 0, optimizer: 0 };
      const byOp = new Map<string, number>();
      for (const t of last) {
        ms[phase(t.node)] += t.ms;
        byOp.set(t.op, (byOp.get(t.op) ?? 0) + t.ms);
      }
      const ops = [...byOp].sort((a, b) => b[1] - a[1]).slice(0, 10).map(([op, v]) => ({ op, ms: v }));
      reply({ kernel_ms: ms, top_ops: ops, transfer_s: transfer });
    } else if (cmd === 'quit') {
      reply({ bye: true });
      break;
    } else reply({ error: `unknown command ${cmd}` });
  }
  await trainer?.release();
}

async function* readLines(stream: NodeJS.ReadableStream): AsyncGenerator<string> {
  let buf = '';
  for await (const chunk of stream) {
    buf += chunk.toString();
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      yield buf.slice(0, i);
      buf = buf.slice(i + 1);
    }
  }
}

type Reply = Record<string, any>;

/** A child process that answers each command line with one JSON line. */
class Peer {
  private readonly lines: AsyncGenerator<string>;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    this.lines = readLines(child.stdout!);
  }

  static spawn(name: string, cmd: string, argv: string[]): Peer {
    return new Peer(name, spawn(cmd, argv, { stdio: ['pipe', 'pipe', 'inherit'] }));
  }

  async next(): Promise<Reply> {
    for (;;) {
      const r = await this.lines.next();
      if (r.done) throw new Error(`${this.name} exited before answering (status ${this.child.exitCode}).`);
      if (r.value.startsWith('{')) return JSON.parse(r.value) as Reply;
    }
  }

  async ask(cmd: string): Promise<Reply> {
    this.child.stdin!.write(`${cmd}\n`);
    const r = await this.next();
    if (r.error) throw new Error(`${this.name}: ${r.error}`);
    return r;
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill();
  }
}

const fmt = (s: number) => `${(s * 1000).toFixed(0).padStart(7)} ms`;

async function compare(c: HeadConfig, dir: string): Promise<number> {
  console.log(`\n== ${c.name}: GW fusion (P ${c.proj}, bottleneck ${c.bottleneck}) over ${tapShapes(c).length} taps × ${c.timesteps} timesteps + UPerNet ${c.channels}, batch ${c.batch}; ${STEPS} timed steps per side after one warm-up, alternating; ${THREADS} threads`);
  const ortPeer = Peer.spawn('the onnxruntime worker', process.execPath, ['--import', 'tsx', join(here, 'train-step.ts'), '--worker', c.name, '--dir', dir, '--threads', String(THREADS), ...(args.includes('--reuse-buffers') ? ['--reuse-buffers'] : [])]);
  let torchPeer: Peer | undefined;
  try {
    const setup = await ortPeer.next();
    torchPeer = Peer.spawn('the PyTorch worker', PYTHON, [join(here, '..', 'tools', 'bench_torch', 'train_step.py'), '--data', dir, '--config', c.name, '--threads', String(THREADS)]);
    const info = await torchPeer.next();
    const libs = info.blas_libs as string[];
    console.log(`PyTorch ${info.torch}, ${info.threads} threads, oneDNN ${info.mkldnn}, BLAS ${libs.join(', ') || 'none mapped'} (2048² matmul ${(info.matmul_gflops as number).toFixed(0)} GFLOP/s at start)`);
    if (!libs.some((l) => l.includes('openblas')) || info.matmul_gflops < 12) {
      throw new Error('PyTorch is not running on OpenBLAS (the reference BLAS does ~6 GFLOP/s): apt-get install -y libopenblas0-pthread. A baseline on the reference BLAS is meaningless.');
    }
    console.log(`ONNX training graph: ${setup.nodes} nodes, ${(setup.params / 1e6).toFixed(2)} M parameters; built in ${(setup.build_s as number).toFixed(1)} s, session in ${(setup.session_s as number).toFixed(1)} s`);
    const ort: Reply[] = [];
    const torch: Reply[] = [];
    for (let i = 0; i <= STEPS; i++) {
      if (i % 2 === 0) {
        ort.push(await ortPeer.ask('step'));
        torch.push(await torchPeer.ask('step'));
      } else {
        torch.push(await torchPeer.ask('step'));
        ort.push(await ortPeer.ask('step'));
      }
    }
    const [ortMem, torchMem] = [await ortPeer.ask('mem'), await torchPeer.ask('mem')];
    await torchPeer.ask('quit');
    const split = await ortPeer.ask('split');
    await ortPeer.ask('quit');
    const timedOrt = ort.slice(1);
    const timedTorch = torch.slice(1);
    // Best of N for the ratio: on a shared machine a step is only ever slowed down by other load, and PyTorch's
    // OpenMP threads suffer more from oversubscription than onnxruntime's pool (seen here as 4× outliers).
    const ortStep = Math.min(...timedOrt.map((r) => r.step_s as number));
    const torchStep = Math.min(...timedTorch.map((r) => r.step_s as number));
    const ortMedian = median(timedOrt.map((r) => r.step_s as number));
    const torchMedian = median(timedTorch.map((r) => r.step_s as number));
    const transfer = split.transfer_s as number;
    const kernel = split.kernel_ms as Record<string, number>;
    const kernelTotal = kernel.forward + kernel.backward + kernel.optimizer;
    // Kernel-time shares of the profiled step, scaled to the best step without the data transfer.
    const share = (k: string) => ((ortStep - transfer) * kernel[k]) / kernelTotal;
    const best = timedTorch.reduce((a, r) => ((r.step_s as number) < (a.step_s as number) ? r : a));
    const tm = (k: string) => best[k] as number;
    console.log('                     onnxruntime      PyTorch');
    console.log(`forward           ${fmt(share('forward'))}   ${fmt(tm('forward_s'))}`);
    console.log(`backward          ${fmt(share('backward'))}   ${fmt(tm('backward_s'))}`);
    console.log(`optimizer         ${fmt(share('optimizer'))}   ${fmt(tm('optimizer_s'))}`);
    console.log(`data transfer     ${fmt(transfer)}   ${fmt(0)}`);
    console.log(`step (best)       ${fmt(ortStep)}   ${fmt(torchStep)}`);
    console.log(`step (median)     ${fmt(ortMedian)}   ${fmt(torchMedian)}`);
    console.log(`steps (s)         ${timedOrt.map((r) => (r.step_s as number).toFixed(2)).join(' ')}  |  ${timedTorch.map((r) => (r.step_s as number).toFixed(2)).join(' ')}`);
    console.log(`peak RSS          ${(ortMem.peak_rss_mb as number).toFixed(0).padStart(7)} MB   ${(torchMem.peak_rss_mb as number).toFixed(0).padStart(7)} MB`);
    console.log(`onnxruntime split: kernel-time shares of a profiled step of the same graph (forward ${(kernel.forward / 1000).toFixed(2)} s, backward ${(kernel.backward / 1000).toFixed(2)} s, optimizer ${(kernel.optimizer / 1000).toFixed(2)} s of kernels) scaled to the best step (PyTorch: its best step's split); transfer = copying the updated state out of ORT, timed on an Identity graph over the same tensors.`);
    console.log(`onnxruntime kernels by op: ${(split.top_ops as { op: string; ms: number }[]).map((o) => `${o.op} ${(o.ms / 1000).toFixed(2)} s`).join(', ')}`);
    const worst = Math.max(...ort.map((r, i) => Math.abs((r.loss as number) - (torch[i].loss as number)) / Math.abs(torch[i].loss as number)));
    console.log(`losses: onnxruntime ${ort.map((r) => (r.loss as number).toFixed(5)).join(' ')}; PyTorch ${torch.map((r) => (r.loss as number).toFixed(5)).join(' ')} (worst relative difference ${worst.toExponential(1)})`);
    if (worst > 1e-3) throw new Error('The two sides did not compute the same losses: the comparison would be meaningless.');
    return torchStep / ortStep;
  } finally {
    ortPeer.kill();
    torchPeer?.kill();
  }
}

async function main(): Promise<void> {
  const w = args.indexOf('--worker');
  if (w >= 0) {
    await worker(args[w + 1] === 'light' ? LIGHT : FAITHFUL, flag('dir', ''), args.includes('--reuse-buffers'));
    return;
  }
  const only = flag('only', '');
  const configs = [FAITHFUL, LIGHT].filter((c) => !only || c.name === only);
  const dir = mkdtempSync(join(tmpdir(), 'satdifuser-train-step-'));
  const ratios: Record<string, number> = {};
  try {
    for (const c of configs) ratios[c.name] = await compare(c, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`train-step: ${Object.entries(ratios).map(([k, v]) => `${k}_vs_pytorch=${v.toFixed(2)}`).join(' ')}`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
