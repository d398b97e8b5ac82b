// Dropout and Dropout2d. In eval graphs they vanish. In training graphs the keep-mask is either a graph input
// (fed by the trainer from its seeded generator, so runs are reproducible and gradient checks see a fixed mask)
// or drawn in-graph by RandomUniformLike with a fixed seed (onnxruntime advances the generator every run).
import { InvalidArgumentError } from '../../../shared/errors';
import { ONNX_DTYPE } from '../dtype';
import type { Value } from '../graph';
import * as op from '../ops';

export interface DropoutOptions {
  p: number;
  /** Zero whole channels ([N, C, 1, 1] mask) as nn.Dropout2d does. */
  channelwise?: boolean;
  /** A 0/1 keep-mask of x's shape ([N, C, 1, 1] when channelwise); else one is drawn in-graph. */
  mask?: Value;
  seed?: number;
}

export function dropout(x: Value, o: DropoutOptions): Value {
  const g = x.graph;
  if (!(o.p >= 0 && o.p < 1)) throw new InvalidArgumentError(`Dropout probability must be in [0, 1), got ${o.p}.`);
  if (!g.training || o.p === 0) return x;
  let keep = o.mask;
  if (!keep) {
    const shapeSrc = o.channelwise ? op.reduceMean(x, Array.from({ length: x.rank - 2 }, (_, i) => i + 2)) : x;
    const u = g.op1('RandomUniformLike', [shapeSrc], { seed: o.seed ?? 0, dtype: ONNX_DTYPE[x.dtype] });
    keep = g.op1('Cast', [g.op1('GreaterOrEqual', [u, g.scalar(o.p, x.dtype)])], { to: ONNX_DTYPE[x.dtype] });
  }
  return op.mul(x, op.mul(keep, 1 / (1 - o.p)));
}
