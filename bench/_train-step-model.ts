// The head trained by bench/train-step.ts, mirrored op for op by tools/bench_torch/train_step.py:
// Global Weighted fusion (one detectron2 bottleneck Φ per tap, shared over timesteps, one softmax over all
// tap×timestep weights) → UPerNet (PPM 1,2,3,6 + FPN, ConvModule = conv + BN + ReLU) → Dropout2d (fed mask) →
// 1×1 classifier → bilinear to the label size → cross-entropy. Timesteps are stacked on the batch axis of each
// tap input ([T·B, C, h, w], timestep-major), so each Φ runs once per tap.
import { bottleneck } from '../src/engine/nn/blocks/bottleneck';
import { conv2d } from '../src/engine/nn/blocks/conv';
import { dropout } from '../src/engine/nn/blocks/dropout';
import { batchNorm } from '../src/engine/nn/blocks/norm';
import { adaptiveAvgPool2d, resizeBilinear } from '../src/engine/nn/blocks/resample';
import { Graph, type Value } from '../src/engine/nn/graph';
import { ones, torchDefaultWeight } from '../src/engine/nn/init';
import { crossEntropy } from '../src/engine/nn/loss/cross-entropy';
import * as op from '../src/engine/nn/ops';

export interface HeadConfig {
  name: string;
  batch: number;
  timesteps: number;
  /** Channels of each tap, grouped by scale (widest map first), and each scale's spatial size. */
  scales: { size: number; taps: number[] }[];
  proj: number;
  bottleneck: number;
  gnGroups: number;
  channels: number;
  poolScales: number[];
  classes: number;
  labelSize: number;
  dropout: number;
}

const sd256 = [
  { size: 32, taps: [320, 320, 320, 320, 320, 320] },
  { size: 16, taps: [640, 640, 640, 640, 640, 640] },
  { size: 8, taps: [1280, 1280, 1280, 1280, 1280, 1280] },
  { size: 4, taps: [1280, 1280, 1280] },
];

/** SatDiFuser's GW + UPerNet at 256² input: P = 384 (bottleneck 96, GN 32), UPerNet 512 channels. */
export const FAITHFUL: HeadConfig = { name: 'faithful', batch: 8, timesteps: 3, scales: sd256, proj: 384, bottleneck: 96, gnGroups: 32, channels: 512, poolScales: [1, 2, 3, 6], classes: 7, labelSize: 256, dropout: 0.1 };

/** Interactive CPU training: the same taps and timesteps, P = 128 (bottleneck 32), UPerNet 128 channels. */
export const LIGHT: HeadConfig = { ...FAITHFUL, name: 'light', proj: 128, bottleneck: 32, channels: 128 };

export const tapName = (i: number) => `tap.${i}`;

export function tapShapes(c: HeadConfig): number[][] {
  return c.scales.flatMap((s) => s.taps.map((ch) => [c.timesteps * c.batch, ch, s.size, s.size]));
}

function convModule(g: Graph, x: Value, name: string, out: number, kernel: number): Value {
  return g.scope(name, () => {
    const y = g.scope('conv', () => conv2d(x, { out, kernel, bias: false }));
    return op.relu(g.scope('bn', () => batchNorm(y)));
  });
}

function globalWeightedFusion(g: Graph, c: HeadConfig, taps: Value[]): Value[] {
  return g.scope('fuser', () => {
    const nTaps = taps.length;
    const w = op.reshape(op.softmax(g.param('weights', 'float32', [c.timesteps * nTaps], ones), 0), [c.timesteps, nTaps]);
    const fused: Value[] = [];
    let l = 0;
    for (const s of c.scales) {
      let acc: Value | undefined;
      for (let k = 0; k < s.taps.length; k++, l++) {
        const phi = g.scope(`proj.${l}`, () => bottleneck(taps[l], { out: c.proj, bottleneck: c.bottleneck, groups: c.gnGroups }));
        // Σ_t w[t, l]·Φ(F_t) as one [1, T] × [T, B·P·h·w] MatMul: a single pass over Φ's output.
        const perT = op.reshape(phi, [c.timesteps, -1]);
        const wl = op.reshape(op.slice(w, [l], [l + 1], [1]), [1, c.timesteps]);
        const term = op.reshape(op.matmul(wl, perT), [c.batch, c.proj, s.size, s.size]);
        acc = acc ? op.add(acc, term) : term;
      }
      fused.push(acc!);
    }
    return fused;
  });
}

function uperHead(g: Graph, c: HeadConfig, feats: Value[], dropMask: Value): Value {
  return g.scope('decode', () => {
    const last = feats[feats.length - 1];
    const [h, w] = [last.shape[2] as number, last.shape[3] as number];
    const psp = c.poolScales.map((s, i) => resizeBilinear(convModule(g, adaptiveAvgPool2d(last, s), `psp.${i}`, c.channels, 1), h, w));
    const top = convModule(g, op.concat([last, ...psp], 1), 'bottleneck', c.channels, 3);
    const laterals = [...feats.slice(0, -1).map((f, i) => convModule(g, f, `lateral.${i}`, c.channels, 1)), top];
    for (let i = laterals.length - 1; i > 0; i--) {
      const lo = laterals[i - 1];
      laterals[i - 1] = op.add(lo, resizeBilinear(laterals[i], lo.shape[2] as number, lo.shape[3] as number));
    }
    const outs = laterals.map((lat, i) => (i < laterals.length - 1 ? convModule(g, lat, `fpn.${i}`, c.channels, 3) : lat));
    const [h0, w0] = [outs[0].shape[2] as number, outs[0].shape[3] as number];
    const fused = convModule(g, op.concat(outs.map((o) => (o.shape[2] === h0 ? o : resizeBilinear(o, h0, w0))), 1), 'fpn_bottleneck', c.channels, 3);
    const dropped = dropout(fused, { p: c.dropout, channelwise: true, mask: dropMask });
    const logits = g.scope('cls', () => conv2d(dropped, { out: c.classes, kernel: 1, init: torchDefaultWeight }));
    return resizeBilinear(logits, c.labelSize, c.labelSize);
  });
}

/** Builds the training-mode head with its loss. Inputs: tap.0…, `dropout_mask` [B, channels, 1, 1], `labels`. */
export function buildHead(c: HeadConfig, seed: number): { g: Graph; loss: Value } {
  const g = new Graph({ name: `head-${c.name}`, seed, training: true });
  const taps = tapShapes(c).map((s, i) => g.input(tapName(i), 'float32', s));
  const mask = g.input('dropout_mask', 'float32', [c.batch, c.channels, 1, 1]);
  const labels = g.input('labels', 'int64', [c.batch, c.labelSize, c.labelSize]);
  const logits = uperHead(g, c, globalWeightedFusion(g, c, taps), mask);
  return { g, loss: crossEntropy(logits, labels) };
}
