// `--backbone random-init`: the default backbone's architecture with a freshly initialised UNet (fixed seed), the
// baseline that tells what the diffusion pre-training is worth. Only the UNet is re-initialised: the autoencoder
// and prompt embedding stay trained, so the baseline differs from the default in exactly what is being tested.
// Initialisation follows PyTorch's defaults, which diffusers keeps: conv/linear weights and biases U(±1/√fan_in),
// normalisation weights 1 and biases 0. The model folder is written once per (base weights, seed) to a cache.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import type { BackboneModel } from '../../backbone/modelStore';
import { Rng } from '../../nn/rng';
import { openWeights } from '../../nn/weights/open';
import { writeSafetensors } from '../../nn/weights/safetensors';

export function cacheRoot(): string {
  return process.env.SATDIFUSER_CACHE ?? join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'satdifuser');
}

/** Deterministic PyTorch-default weights for every tensor of a UNet checkpoint (names and shapes kept). */
export function randomUNetWeights(names: readonly { name: string; shape: readonly number[] }[], seed: number): { name: string; shape: readonly number[]; data: Float32Array }[] {
  const shapes = new Map(names.map((t) => [t.name, t.shape]));
  const root = new Rng(seed);
  return names.map(({ name, shape }) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    const rng = root.fork(name);
    const uniform = (bound: number) => { for (let i = 0; i < n; i++) data[i] = (rng.uniform() * 2 - 1) * bound; };
    if (shape.length >= 2) {
      uniform(1 / Math.sqrt(shape.slice(1).reduce((a, b) => a * b, 1)));
    } else if (name.endsWith('.bias')) {
      const w = shapes.get(name.slice(0, -'.bias'.length) + '.weight');
      if (w && w.length >= 2) uniform(1 / Math.sqrt(w.slice(1).reduce((a, b) => a * b, 1)));
    } else if (name.endsWith('.weight')) {
      data.fill(1);
    }
    return { name, shape, data };
  });
}

/** The folder of the random-init twin of `base` (created on first use); returns its path. */
export function randomInitModel(base: BackboneModel, seed: number): string {
  const r = openWeights(base.unetWeights);
  let tensors: { name: string; shape: readonly number[] }[];
  try {
    tensors = r.list().map((t) => ({ name: t.name, shape: t.shape }));
  } finally {
    r.close();
  }
  const dir = join(cacheRoot(), 'backbones', `${basename(base.dir)}-random-init-seed${seed}`);
  const cardPath = join(base.dir, 'backbone.json');
  const card = JSON.parse(readFileSync(cardPath, 'utf8')) as Record<string, any>;
  const stamp = JSON.stringify({ base: base.dir, unet: tensors.length, seed, card: card.name });
  if (existsSync(join(dir, 'backbone.json')) && existsSync(join(dir, 'stamp.json')) && readFileSync(join(dir, 'stamp.json'), 'utf8') === stamp) return dir;
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const unetFile = 'unet_random_init.safetensors';
  writeSafetensors(join(tmp, unetFile), randomUNetWeights(tensors, seed), { seed: String(seed), base: base.name });
  // everything but the UNet weights is the base model's own file
  const link = (rel: unknown) => {
    if (typeof rel !== 'string') return;
    const target = join(base.dir, rel);
    const at = join(tmp, rel);
    mkdirSync(join(at, '..'), { recursive: true });
    if (!existsSync(at)) symlinkSync(target, at);
  };
  link(card.unet?.config);
  for (const k of ['encoder', 'config', 'decoder']) link(card.autoencoder?.[k]);
  link(card.prompt_embedding?.file);
  card.name = `${card.name ?? basename(base.dir)} (random-init UNet, seed ${seed})`;
  card.unet = { ...card.unet, weights: unetFile };
  card.random_init = { base: base.dir, seed, rule: 'PyTorch defaults: U(±1/sqrt(fan_in)) for conv/linear, 1/0 for norms' };
  writeFileSync(join(tmp, 'backbone.json'), JSON.stringify(card, null, 1));
  writeFileSync(join(tmp, 'stamp.json'), stamp);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, '..'), { recursive: true });
  renameSync(tmp, dir);
  return dir;
}
