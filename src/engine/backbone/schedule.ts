// The diffusion schedule SatDiFuser's inversion walks, from a diffusers scheduler_config.json, with the numbers
// computed as torch computes them in float32: betas = linspace(√β0, √β1, N)² (scaled_linear) or linspace(β0, β1, N),
// ᾱ = cumprod(1 − β) as torch's CPU kernel, DDIM timesteps by diffusers' "leading" spacing + steps_offset.
import { InvalidArgumentError } from '../../shared/errors';

export interface SchedulerConfig {
  readonly num_train_timesteps?: number;
  readonly beta_start?: number;
  readonly beta_end?: number;
  readonly beta_schedule?: string;
  readonly trained_betas?: number[] | null;
  readonly steps_offset?: number;
  readonly prediction_type?: string;
  readonly timestep_spacing?: string;
  readonly _class_name?: string;
}

const f = Math.fround;

/**
 * torch.linspace(start, end, n, dtype=float32) on the CPU, bit for bit: step in float32, first half counted up
 * from start and second half down from end, each emitted as 8-wide AVX2 vectors base + j·step (ATen's
 * Vectorized::arange), every multiply-add fused (one rounding: products of a float and a small integer are exact in
 * double). This rounds differently from a naive start + i·step. diffusers builds its betas this way on the CPU.
 */
export function linspaceF32(start: number, end: number, n: number): Float32Array {
  const out = new Float32Array(n);
  if (n === 1) {
    out[0] = start;
    return out;
  }
  const s = f(start), e = f(end);
  const step = f(f(e - s) / (n - 1));
  const half = Math.floor(n / 2);
  const W = 8;
  const full = n - (n % W);
  for (let idx = 0; idx < full; idx += W) {
    const base = idx < half ? f(s + step * idx) : f(e - step * (n - idx - 1));
    for (let j = 0; j < W; j++) out[idx + j] = f(base + j * step);
  }
  for (let i = full; i < n; i++) out[i] = i < half ? f(s + step * i) : f(e - step * (n - 1 - i));
  return out;
}

export function betas(cfg: SchedulerConfig): Float32Array {
  const n = cfg.num_train_timesteps ?? 1000;
  if (cfg.trained_betas) return Float32Array.from(cfg.trained_betas);
  const b0 = cfg.beta_start ?? 0.0001, b1 = cfg.beta_end ?? 0.02;
  const kind = cfg.beta_schedule ?? 'linear';
  if (kind === 'linear') return linspaceF32(b0, b1, n);
  if (kind === 'scaled_linear') {
    const r = linspaceF32(Math.sqrt(b0), Math.sqrt(b1), n);
    return r.map((x) => f(x * x));
  }
  throw new InvalidArgumentError(`The scheduler's beta_schedule "${kind}" is not supported.`, 'Use a DDIM/DDPM scheduler config with beta_schedule "linear" or "scaled_linear" (SD 2.x uses scaled_linear).');
}

export function alphasCumprod(cfg: SchedulerConfig): Float32Array {
  const b = betas(cfg);
  const out = new Float32Array(b.length);
  // torch's CPU cumprod accumulates float32 in double and rounds each output (CUDA accumulates in float32;
  // the two differ by a few ulps, far below anything the features can see).
  let acc = 1;
  for (let i = 0; i < b.length; i++) {
    acc *= f(1 - b[i]);
    out[i] = f(acc);
  }
  return out;
}

/** diffusers DDIMScheduler.set_timesteps(steps): descending, e.g. [981, 961, …, 1] for 1000/50 with offset 1. */
export function ddimTimesteps(cfg: SchedulerConfig, steps = 50): number[] {
  const n = cfg.num_train_timesteps ?? 1000;
  const spacing = cfg.timestep_spacing ?? 'leading';
  const offset = cfg.steps_offset ?? 0;
  if (spacing === 'leading') {
    const ratio = Math.floor(n / steps);
    return Array.from({ length: steps }, (_, i) => Math.round((steps - 1 - i) * ratio) + offset);
  }
  if (spacing === 'trailing') {
    const ratio = n / steps;
    return Array.from({ length: steps }, (_, i) => Math.round(n - i * ratio) - 1);
  }
  throw new InvalidArgumentError(`The scheduler's timestep_spacing "${spacing}" is not supported.`, 'Use "leading" (diffusers 0.17 DDIM default) or "trailing".');
}

export interface InversionStep {
  /** Call index i (0-based). */
  readonly index: number;
  /** SatDiFuser's label for the call (49 − i for 50 steps). */
  readonly label: number;
  /** UNet timestep of this call (−1 for the first). */
  readonly t: number;
  readonly tNext: number;
  /** ᾱ at t and t_next (1 for t = −1). */
  readonly alpha: number;
  readonly alphaNext: number;
}

/**
 * The calls LDMExtractor.generalized_steps makes with run_inversion=True: seq = ascending DDIM grid,
 * seq_next = [−1] + seq[:−1]; call i runs the UNet at seq_next[i] and moves to seq[i]; it stops at
 * max_i = steps − min(saveLabels) (10 calls for labels 47, 45, 40).
 */
export function inversionSteps(cfg: SchedulerConfig, saveLabels: readonly number[] = [47, 45, 40], steps = 50): InversionStep[] {
  if (!saveLabels.length || saveLabels.some((l) => !Number.isInteger(l) || l < 0 || l >= steps)) {
    throw new InvalidArgumentError(`Timestep labels must be integers in 0..${steps - 1}, got [${saveLabels.join(', ')}].`);
  }
  const seq = ddimTimesteps(cfg, steps).reverse();
  const ab = alphasCumprod(cfg);
  const at = (t: number) => (t === -1 ? 1 : ab[t]);
  const maxI = steps - Math.min(...saveLabels);
  const out: InversionStep[] = [];
  for (let i = 0; i < maxI; i++) {
    const t = i === 0 ? -1 : seq[i - 1];
    out.push({ index: i, label: steps - i - 1, t, tNext: seq[i], alpha: at(t), alphaNext: at(seq[i]) });
  }
  return out;
}

/**
 * One DDIM (eta = 0) step with the model output used as ε, in float32 as torch evaluates
 * x0 = (x − out·√(1−ā_t)) / √ā_t; x_next = √ā_next·x0 + √(1−ā_next)·out. Writes into `x`.
 */
export function ddimStepInPlace(x: Float32Array, out: Float32Array, alpha: number, alphaNext: number): void {
  const sa = f(Math.sqrt(alpha)), s1a = f(Math.sqrt(f(1 - alpha)));
  const sn = f(Math.sqrt(alphaNext)), s1n = f(Math.sqrt(f(1 - alphaNext)));
  for (let i = 0; i < x.length; i++) {
    const x0 = f(f(x[i] - f(out[i] * s1a)) / sa);
    x[i] = f(f(sn * x0) + f(s1n * out[i]));
  }
}
