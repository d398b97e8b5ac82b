// torch.nn.utils.clip_grad_norm_ in the graph: total = ‖(‖g₁‖, ‖g₂‖, …)‖₂, every gradient scaled by
// min(max_norm / (total + 1e-6), 1).
import { InvalidArgumentError } from '../../../shared/errors';
import type { Value } from '../graph';
import * as op from '../ops';

export function clipByGlobalNorm(grads: readonly Value[], maxNorm: number): { clipped: Value[]; totalNorm: Value } {
  if (!(maxNorm > 0)) throw new InvalidArgumentError(`The gradient clipping norm must be positive, got ${maxNorm}.`);
  if (grads.length === 0) throw new InvalidArgumentError('Nothing to clip: no gradients.');
  const g = grads[0].graph;
  const squares = grads.map((d) => g.op1('ReduceSumSquare', [d], { keepdims: 0 }));
  const total = op.sqrt(squares.length === 1 ? squares[0] : g.op1('Sum', squares));
  const coef = op.min(op.div(maxNorm, op.add(total, 1e-6)), 1);
  return { clipped: grads.map((d) => op.mul(d, coef)), totalNorm: total };
}
