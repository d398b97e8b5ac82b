// torch.nn.BCEWithLogitsLoss(reduction='mean', pos_weight): mean of −[p·y·log σ(x) + (1 − y)·log(1 − σ(x))],
// in the stable form (1 − y)·x + (1 + (p − 1)·y)·(log(1 + e^(−|x|)) + max(−x, 0)).
import { InvalidArgumentError } from '../../../shared/errors';
import type { Value } from '../graph';
import * as op from '../ops';

export function bceWithLogits(logits: Value, target: Value, o: { posWeight?: Float32Array | Float64Array } = {}): Value {
  const g = logits.graph;
  if (target.dtype !== logits.dtype) throw new InvalidArgumentError(`BCE targets must be ${logits.dtype} (0..1), got ${target.dtype}.`);
  const softTerm = op.add(op.log(op.add(op.exp(op.neg(op.abs(logits))), 1)), op.relu(op.neg(logits)));
  let weight: Value | undefined;
  if (o.posWeight) {
    const c = logits.shape[logits.rank - 1] as number;
    if (o.posWeight.length !== c) throw new InvalidArgumentError(`${o.posWeight.length} positive weights for ${c} classes.`);
    const pw = g.constant(logits.dtype === 'float64' ? Float64Array.from(o.posWeight) : Float32Array.from(o.posWeight), logits.dtype, [c], 'pos_weight');
    weight = op.add(op.mul(op.sub(pw, 1), target), 1);
  }
  const loss = op.add(op.mul(op.sub(1, target), logits), weight ? op.mul(weight, softTerm) : softTerm);
  return op.meanAll(loss);
}
