// detectron2's BottleneckBlock (the projection Φ of SatDiFuser's fusion modules, §3.1 of method.md):
// conv1×1 → GN → ReLU → conv3×3 → GN → ReLU → conv1×1 → GN, plus a conv1×1 + GN shortcut when the widths
// differ, summed, then ReLU. Convs have no bias and c2_msra_fill init; each conv's norm is its child `norm`, so
// parameter names match detectron2 state dicts (`conv1.weight`, `conv1.norm.weight`, `shortcut.norm.bias`...).
import type { Value } from '../graph';
import { heNormalFanOut } from '../init';
import * as op from '../ops';
import { conv2d } from './conv';
import { groupNorm } from './norm';

export interface BottleneckOptions {
  out: number;
  bottleneck: number;
  /** GroupNorm groups (detectron2 "GN" is 32). */
  groups?: number;
  stride?: number;
  dilation?: number;
}

function convNorm(x: Value, name: string, out: number, kernel: number, groups: number, stride = 1, dilation = 1): Value {
  const g = x.graph;
  return g.scope(name, () => {
    const y = conv2d(x, { out, kernel, stride, pad: kernel === 3 ? dilation : 0, dilation, bias: false, init: heNormalFanOut });
    return g.scope('norm', () => groupNorm(y, { groups }));
  });
}

export function bottleneck(x: Value, o: BottleneckOptions): Value {
  const groups = o.groups ?? 32;
  const cin = x.shape[1] as number;
  const stride = o.stride ?? 1;
  const shortcut = cin !== o.out || stride !== 1 ? convNorm(x, 'shortcut', o.out, 1, groups, stride) : x;
  let y = op.relu(convNorm(x, 'conv1', o.bottleneck, 1, groups, stride));
  y = op.relu(convNorm(y, 'conv2', o.bottleneck, 3, groups, 1, o.dilation ?? 1));
  y = convNorm(y, 'conv3', o.out, 1, groups);
  return op.relu(op.add(y, shortcut));
}
