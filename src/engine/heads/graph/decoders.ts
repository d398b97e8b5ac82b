// The two decoders of method.md §4 on the fused pyramid (P channels per scale, widest first).
//   UPerNet (mmseg UPerHead as the release writes it): PPM (adaptive pools 1, 2, 3, 6 → 1×1 conv → BN → ReLU →
//     bilinear back) on the coarsest map, concat → 3×3 conv → BN → ReLU; lateral 1×1 conv+BN+ReLU on the finer
//     maps; top-down bilinear adds; 3×3 conv+BN+ReLU per level; all upsampled to the finest and concatenated →
//     3×3 conv+BN+ReLU; Dropout2d(0.1) (training); 1×1 conv → classes; bilinear to the output size.
//   Linear classifier: every scale bilinearly resized to the finest and summed, global mean, Linear(P → classes).
import type { Value } from '../../nn/graph';
import * as op from '../../nn/ops';
import type { HeadSpec } from '../spec';
import { conv2d, convBnRelu, type HeadGraphContext, linear } from './layers';
import { adaptiveAvgPool2d, resizeBilinear } from '../../nn/blocks/resample';

const hw = (x: Value) => [x.shape[2] as number, x.shape[3] as number] as const;

/** `dropoutMask`: [B, D, 1, 1] keep mask already scaled by 1/(1−p) (training graphs only). */
export function upernet(ctx: HeadGraphContext, spec: HeadSpec, fused: readonly Value[], outSize: readonly [number, number], dropoutMask?: Value): Value {
  const { g } = ctx;
  const D = spec.widths.decoderChannels;
  const top = fused[fused.length - 1]!;
  const [th, tw] = hw(top);
  const psp = [top, ...spec.poolScales.map((p, i) => g.scope(`psp_modules.${i}`, () => {
    // Bin 1 is the global mean: one ReduceMean instead of two MatMuls by constant rows.
    const pooled = p === 1 ? op.reduceMean(top, [2, 3]) : adaptiveAvgPool2d(top, p, p);
    return resizeBilinear(convBnRelu(ctx, pooled, D, 1, 1, 2), th, tw);
  }))];
  const laterals = fused.slice(0, -1).map((x, i) => g.scope(`lateral_convs.${i}`, () => convBnRelu(ctx, x, D, 1)));
  laterals.push(g.scope('bottleneck', () => convBnRelu(ctx, op.concat(psp, 1), D, 3)));
  for (let i = laterals.length - 1; i > 0; i--) {
    const [h, w] = hw(laterals[i - 1]!);
    laterals[i - 1] = op.add(laterals[i - 1]!, resizeBilinear(laterals[i]!, h, w));
  }
  const outs = laterals.slice(0, -1).map((x, i) => g.scope(`fpn_convs.${i}`, () => convBnRelu(ctx, x, D, 3)));
  outs.push(laterals[laterals.length - 1]!);
  const [fh, fw] = hw(outs[0]!);
  const stacked = op.concat(outs.map((x) => resizeBilinear(x, fh, fw)), 1);
  let y = g.scope('fpn_bottleneck', () => convBnRelu(ctx, stacked, D, 3));
  if (dropoutMask) y = op.mul(y, dropoutMask);
  const logits = g.scope('conv_seg', () => conv2d(ctx, y, spec.numClasses, 1, { bias: true, init: 'torch' }));
  return resizeBilinear(logits, outSize[0], outSize[1]);
}

export function linearClassifier(ctx: HeadGraphContext, spec: HeadSpec, fused: readonly Value[]): Value {
  const [h, w] = hw(fused[0]!);
  const sum = fused.slice(1).reduce((acc, x) => op.add(acc, resizeBilinear(x, h, w)), fused[0]!);
  const pooled = op.reduceMean(sum, [2, 3], false); // [B, P]
  return ctx.g.scope('decoder_head.2', () => linear(ctx, pooled, spec.numClasses));
}
