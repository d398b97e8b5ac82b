// Cross-entropy with class weights and an ignore label, with PyTorch's weighted-mean semantics:
//   loss = Σ_i w[y_i]·(−log p_i[y_i]) / Σ_i w[y_i]   over the pixels (or samples) whose label is not ignored.
// The weighted one-hot target is built in-graph from uint8 labels: ONNX OneHot gives an all-zero row for an index
// outside [0, C) (255 = ignore), which removes those pixels from both sums without any special case.
import type { Value } from '../../nn/graph';
import * as op from '../../nn/ops';

export function weightedCrossEntropy(logits: Value, labels: Value, classWeights: Value, numClasses: number): Value {
  const g = logits.graph;
  const idx = op.cast(labels, 'int64');
  const onehot = g.op1('OneHot', [idx, g.ints([numClasses], 'depth'), g.constant(Float32Array.of(0, 1), 'float32', [2], 'onehot_values')], { axis: 1 });
  const shape = logits.rank === 4 ? [numClasses, 1, 1] : [numClasses];
  const target = op.mul(onehot, op.reshape(classWeights, shape));
  const nll = op.neg(op.mul(target, op.logSoftmax(logits, 1)));
  return op.div(op.sumAll(nll), op.max(op.sumAll(target), 1e-12));
}
