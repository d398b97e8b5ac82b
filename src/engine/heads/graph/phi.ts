// Φ, the projection every tap goes through: detectron2's BottleneckBlock with GroupNorm, as the release builds it
// with ResNet.make_stage(BottleneckBlock, num_blocks=1, …) inside an nn.Sequential (hence the `0.` in the names):
// 1×1 → b, GN, ReLU; 3×3 → b, GN, ReLU; 1×1 → P, GN; shortcut 1×1 → P + GN when C ≠ P; add; ReLU.
// All convs without bias, initialised with c2_msra_fill (He normal, fan_out).
import type { Value } from '../../nn/graph';
import * as op from '../../nn/ops';
import type { Widths } from '../spec';
import { channelsOf, convGn, type HeadGraphContext } from './layers';

export function phi(ctx: HeadGraphContext, x: Value, w: Widths): Value {
  const { g } = ctx;
  return g.scope('0', () => {
    const cin = channelsOf(x);
    const shortcut = cin !== w.projection ? g.scope('shortcut', () => convGn(ctx, x, w.projection, 1, w.normGroups)) : x;
    let y = op.relu(g.scope('conv1', () => convGn(ctx, x, w.bottleneck, 1, w.normGroups)));
    y = op.relu(g.scope('conv2', () => convGn(ctx, y, w.bottleneck, 3, w.normGroups)));
    y = g.scope('conv3', () => convGn(ctx, y, w.projection, 1, w.normGroups));
    return op.relu(op.add(y, shortcut));
  });
}
