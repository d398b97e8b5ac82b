// Top-k routing for mixture-of-experts layers: every expert is computed (a static graph) and the outputs are
// mixed with a sparse weight vector that is zero outside the top k. Gradients flow to the selected experts
// (the others are multiplied by zero) and, through the softmax over the k selected logits, to the gate.
import { InvalidArgumentError } from '../../../shared/errors';
import type { Value } from '../graph';
import * as op from '../ops';
import { zerosLike } from '../autodiff/helpers';

/**
 * Routing weights [N, E] from gate logits [N, E]: softmax over the top-k logits per row, scattered back, zeros
 * elsewhere (SatDiFuser's MoE after warm-up; k = E gives the dense softmax mixture of the warm-up phase).
 */
export function topkRouting(logits: Value, k: number): Value {
  const g = logits.graph;
  const e = logits.shape[1] as number;
  if (!(k >= 1 && k <= e)) throw new InvalidArgumentError(`top-k routing needs 1 ≤ k ≤ ${e} experts, got ${k}.`);
  if (k === e) return op.softmax(logits, 1);
  const [vals, idx] = op.topk(logits, k, 1);
  const w = op.softmax(vals, 1);
  return g.op1('ScatterElements', [zerosLike(logits), idx, w], { axis: 1 });
}

/** Σₑ weights[:, e] · experts[e], for expert outputs [N, ...] and weights [N, E]. */
export function mixExperts(experts: readonly Value[], weights: Value): Value {
  const ws = op.split(weights, experts.map(() => 1), 1);
  let out: Value | undefined;
  experts.forEach((x, i) => {
    const w = op.reshape(ws[i], [0, ...new Array(x.rank - 1).fill(1)]);
    const term = op.mul(x, w);
    out = out ? op.add(out, term) : term;
  });
  return out!;
}
