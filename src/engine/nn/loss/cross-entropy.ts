// torch.nn.CrossEntropyLoss(weight, ignore_index, reduction='mean') for logits [N, C] or [N, C, H, W] and integer
// targets [N] or [N, H, W]: Σᵢ w[tᵢ]·(−log softmax(xᵢ)[tᵢ]) / Σᵢ w[tᵢ] over the non-ignored i.
// One deliberate difference: when every target is ignored PyTorch returns NaN (0/0); we return 0 with zero
// gradients, so one empty batch cannot poison the optimizer state.
import { InvalidArgumentError } from '../../../shared/errors';
import { ONNX_DTYPE } from '../dtype';
import type { Value } from '../graph';
import * as op from '../ops';
import { stopGradient } from '../autodiff/grad';

export interface CrossEntropyOptions {
  ignoreIndex?: number;
  /** Per-class weights [C]. */
  classWeights?: Float32Array | Float64Array;
}

export function crossEntropy(logits: Value, target: Value, o: CrossEntropyOptions = {}): Value {
  const g = logits.graph;
  const c = logits.shape[1];
  if (target.dtype !== 'int64') throw new InvalidArgumentError(`Cross-entropy targets must be int64 class indices, got ${target.dtype}.`);
  if (target.rank !== logits.rank - 1) throw new InvalidArgumentError(`Cross-entropy targets ${target.toString()} do not match logits ${logits.toString()} (expected the logits' shape without the class axis).`);
  if (typeof c !== 'number') throw new InvalidArgumentError(`Cross-entropy needs a static class count, got ${logits.toString()}.`);
  if (o.classWeights && o.classWeights.length !== c) throw new InvalidArgumentError(`${o.classWeights.length} class weights for ${c} classes.`);
  const ignore = o.ignoreIndex ?? -100;
  const valid = g.op1('Not', [g.op1('Equal', [target, g.scalar(ignore, 'int64')])]);
  const safe = op.where(valid, target, g.scalar(0, 'int64'));
  // −log softmax(x)[t] = logsumexp(x) − x[t], with the max subtracted for stability. Written with elementwise ops
  // and a one-hot mask (not LogSoftmax + GatherElements): onnxruntime's LogSoftmax over a non-last axis and the
  // scatter in GatherElements' gradient were 10× slower on [N, C, H, W] logits.
  const z = op.sub(logits, stopGradient(op.reduceMax(logits, [1])));
  const lse = op.log(op.reduceSum(op.exp(z), [1]));
  const classes = g.constant(BigInt64Array.from({ length: c }, (_, i) => BigInt(i)), 'int64', [c, ...new Array(logits.rank - 2).fill(1)], 'classes');
  const onehot = g.op1('Cast', [g.op1('Equal', [classes, op.unsqueeze(safe, [1])])], { to: ONNX_DTYPE[logits.dtype] });
  const nll = op.squeeze(op.sub(lse, op.reduceSum(op.mul(z, onehot), [1])), [1]);
  let w = g.op1('Cast', [valid], { to: ONNX_DTYPE[logits.dtype] });
  if (o.classWeights) {
    const table = g.constant(logits.dtype === 'float64' ? Float64Array.from(o.classWeights) : Float32Array.from(o.classWeights), logits.dtype, [c], 'class_weights');
    w = op.mul(w, g.op1('Gather', [table, safe], { axis: 0 }));
  }
  const num = op.sumAll(op.mul(w, nll));
  const den = op.max(op.sumAll(w), g.scalar(1e-12, logits.dtype));
  return op.div(num, den);
}
