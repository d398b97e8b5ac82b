// Adam and AdamW as graph nodes, with PyTorch's update (torch.optim.Adam/AdamW, single-tensor path, no amsgrad):
//   Adam:  g ← g + λ·p;            AdamW: p ← p·(1 − lr·λ)
//   m ← β₁·m + (1 − β₁)·g;  v ← β₂·v + (1 − β₂)·g²
//   p ← p − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
// The step-dependent scalars are computed in double precision in JS, as PyTorch computes them in Python, and fed
// per step (`adamScalars`), so the learning rate can follow any schedule without rebuilding the graph.
import { InvalidArgumentError } from '../../../shared/errors';
import type { Graph, Value } from '../graph';
import * as op from '../ops';
import { clipByGlobalNorm } from './clip';

export interface AdamOptions {
  kind?: 'adam' | 'adamw';
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
  /** Clip gradients to this global L2 norm before the update (clip_grad_norm_). */
  clipNorm?: number;
}

/** Names of the per-step scalar inputs of a training graph. */
export const OPTIM_INPUTS = { lr: 'optim.lr', stepSize: 'optim.step_size', invBc2Sqrt: 'optim.inv_bc2_sqrt' } as const;

export const momentName = (which: 'm' | 'v', param: string) => `adam.${which}.${param}`;

export function resolveAdam(o: AdamOptions = {}): Required<Omit<AdamOptions, 'clipNorm'>> & { clipNorm?: number } {
  const r = { kind: o.kind ?? 'adam', beta1: o.beta1 ?? 0.9, beta2: o.beta2 ?? 0.999, eps: o.eps ?? 1e-8, weightDecay: o.weightDecay ?? 0, clipNorm: o.clipNorm };
  if (!(r.beta1 >= 0 && r.beta1 < 1 && r.beta2 >= 0 && r.beta2 < 1)) throw new InvalidArgumentError(`Adam betas must be in [0, 1), got ${r.beta1}, ${r.beta2}.`);
  if (!(r.eps > 0) || !(r.weightDecay >= 0)) throw new InvalidArgumentError('Adam needs eps > 0 and weight decay ≥ 0.');
  return r;
}

/** The scalar feeds for step `t` (1-based) at learning rate `lr`. */
export function adamScalars(lr: number, t: number, o: AdamOptions = {}): { lr: number; stepSize: number; invBc2Sqrt: number } {
  const r = resolveAdam(o);
  if (!(t >= 1)) throw new InvalidArgumentError(`Adam steps count from 1, got ${t}.`);
  return { lr, stepSize: lr / (1 - r.beta1 ** t), invBc2Sqrt: 1 / Math.sqrt(1 - r.beta2 ** t) };
}

export interface AdamUpdate {
  param: Value;
  next: Value;
  m: Value;
  mNext: Value;
  v: Value;
  vNext: Value;
}

/** Emits the optimizer step for `params` given their gradients; moments become graph inputs (start at zero). */
export function emitAdam(g: Graph, params: readonly Value[], grads: ReadonlyMap<Value, Value>, opts: AdamOptions = {}): { updates: AdamUpdate[]; gradNorm?: Value } {
  const o = resolveAdam(opts);
  const dtype = params[0]?.dtype ?? 'float32';
  return g.scope('optim', () => {
    const lr = g.input(OPTIM_INPUTS.lr, dtype, []);
    const stepSize = g.input(OPTIM_INPUTS.stepSize, dtype, []);
    const invBc2Sqrt = g.input(OPTIM_INPUTS.invBc2Sqrt, dtype, []);
    let gs = params.map((p) => {
      const d = grads.get(p);
      if (!d) throw new InvalidArgumentError(`No gradient for parameter "${p.name}".`);
      return d;
    });
    let gradNorm: Value | undefined;
    if (o.clipNorm !== undefined) {
      const c = clipByGlobalNorm(gs, o.clipNorm);
      gs = c.clipped;
      gradNorm = c.totalNorm;
    }
    // Elementwise math on flat views: free reshapes, and onnxruntime broadcasts scalars onto [Co, Ci, 1, 1]
    // weights element by element (30× slower) unless the trailing 1s are gone. Moments are stored flat.
    const updates = params.map((p, i) => {
      const n = p.shape.reduce<number>((a, d) => a * (d as number), 1);
      let d = op.reshape(gs[i], [n]);
      const flatP = op.reshape(p, [n]);
      let base = flatP;
      if (o.weightDecay > 0 && o.kind === 'adam') d = op.add(d, op.mul(flatP, o.weightDecay));
      if (o.weightDecay > 0 && o.kind === 'adamw') base = op.mul(flatP, op.sub(1, op.mul(lr, o.weightDecay)));
      const m = g.input(momentName('m', p.name), p.dtype, [n]);
      const v = g.input(momentName('v', p.name), p.dtype, [n]);
      const mNext = op.add(op.mul(m, o.beta1), op.mul(d, 1 - o.beta1));
      const vNext = op.add(op.mul(v, o.beta2), op.mul(op.mul(d, d), 1 - o.beta2));
      const denom = op.add(op.mul(op.sqrt(vNext), invBc2Sqrt), o.eps);
      const next = op.reshape(op.sub(base, op.mul(stepSize, op.div(mNext, denom))), p.shape as number[]);
      return { param: p, next, m, mNext, v, vNext };
    });
    return { updates, gradNorm };
  });
}
