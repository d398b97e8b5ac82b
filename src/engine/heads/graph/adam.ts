// Adam inside the training graph (torch.optim.Adam semantics: L2 weight decay added to the gradient, bias
// correction, ε outside the square root). Per parameter p with moments m, v:
//   g' = g + wd·p;  m ← β1·m + (1−β1)·g';  v ← β2·v + (1−β2)·g'²;  p ← p − lr·(m/c1) / (√(v/c2) + ε)
// with c1 = 1−β1^t, c2 = 1−β2^t fed per step (as is lr), so one graph serves every step of the schedule.
// Kept here, small and separate, because the nn engine's optimizers had not landed when the heads needed them.
import type { Value } from '../../nn/graph';
import { zeros } from '../../nn/init';
import * as op from '../../nn/ops';

export const LR = 'lr';
export const BIAS_CORRECTION1 = 'bias_correction1';
export const BIAS_CORRECTION2 = 'bias_correction2';

export interface AdamOptions {
  readonly beta1?: number;
  readonly beta2?: number;
  readonly eps?: number;
  readonly weightDecay?: number;
}

export interface AdamState {
  /** For each parameter: its moment buffers' names and the outputs holding the updated p, m, v. */
  readonly updates: { readonly param: string; readonly m: string; readonly v: string; readonly newParam: string; readonly newM: string; readonly newV: string }[];
}

export function appendAdam(params: readonly Value[], grads: ReadonlyMap<string, Value>, o: AdamOptions = {}): AdamState {
  const g = params[0]!.graph;
  const b1 = o.beta1 ?? 0.9, b2 = o.beta2 ?? 0.999, eps = o.eps ?? 1e-8, wd = o.weightDecay ?? 0;
  const lr = g.input(LR, 'float32', []);
  const c1 = g.input(BIAS_CORRECTION1, 'float32', []);
  const c2 = g.input(BIAS_CORRECTION2, 'float32', []);
  const updates: AdamState['updates'][number][] = [];
  for (const p of params) {
    let d = grads.get(p.name)!;
    if (wd > 0) d = op.add(d, op.mul(p, wd));
    const shape = p.shape as number[];
    const m = g.scope('adam_m', () => g.buffer(p.name, 'float32', shape, zeros));
    const v = g.scope('adam_v', () => g.buffer(p.name, 'float32', shape, zeros));
    const m2 = op.add(op.mul(m, b1), op.mul(d, 1 - b1));
    const v2 = op.add(op.mul(v, b2), op.mul(op.mul(d, d), 1 - b2));
    const step = op.div(op.div(m2, c1), op.add(op.sqrt(op.div(v2, c2)), eps));
    const p2 = op.sub(p, op.mul(step, lr));
    const names = { newParam: `new.${p.name}`, newM: `new.${m.name}`, newV: `new.${v.name}` };
    g.output(p2, names.newParam);
    g.output(m2, names.newM);
    g.output(v2, names.newV);
    updates.push({ param: p.name, m: m.name, v: v.name, ...names });
  }
  return { updates };
}
