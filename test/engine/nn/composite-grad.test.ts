// Finite-difference checks of whole blocks as the heads use them, every parameter included: a detectron2
// bottleneck with GroupNorm, a UPerNet-style PPM + FPN with BatchNorm in training mode and bilinear/pooling
// matrices, a top-2 mixture-of-experts layer, and a loss on top.
// Float64 graphs (h = 1e-6): onnxruntime has no float64 Conv, so there Conv is lowered to an exact im2col MatMul
// (ops.conv); the Conv gradient rule itself is checked in float32 in autodiff-ops.test.ts, and the bottleneck is
// also checked in float32 with real Conv nodes below.
import { describe, expect, it } from 'vitest';
import { bottleneck } from '../../../src/engine/nn/blocks/bottleneck';
import { conv2d } from '../../../src/engine/nn/blocks/conv';
import { dropout } from '../../../src/engine/nn/blocks/dropout';
import { mixExperts, topkRouting } from '../../../src/engine/nn/blocks/moe';
import { batchNorm } from '../../../src/engine/nn/blocks/norm';
import { adaptiveAvgPool2d, resizeBilinear } from '../../../src/engine/nn/blocks/resample';
import type { Value } from '../../../src/engine/nn/graph';
import { crossEntropy } from '../../../src/engine/nn/loss/cross-entropy';
import * as op from '../../../src/engine/nn/ops';
import { Tensor } from '../../../src/engine/runtime';
import { expectGradOk, f32, f64, randn } from './helpers';
import { checkGradients } from '../../../src/engine/nn/check/gradcheck';
import { gradients } from '../../../src/engine/nn/autodiff/grad';
import { Graph } from '../../../src/engine/nn/graph';
import { serializeModel } from '../../../src/engine/nn/serialize';
import { Session } from '../../../src/engine/runtime';

/** mmseg ConvModule: conv (no bias) → BN → ReLU. */
type F = 'float32' | 'float64';

function convModule(g: Graph, x: Value, name: string, out: number, kernel: number): Value {
  return g.scope(name, () => {
    const y = g.scope('conv', () => conv2d(x, { out, kernel, bias: false }));
    return op.relu(g.scope('bn', () => batchNorm(y)));
  });
}

/** PPM (pool scales 1, 2, 3) on the coarsest map + FPN top-down over three levels, all fused at the finest. */
function ppmFpn(g: Graph, feats: Value[], ch: number): Value {
  const [c1, c2, c3] = feats;
  const [h3, w3] = [c3.shape[2] as number, c3.shape[3] as number];
  const pooled = [1, 2, 3].map((s, i) => resizeBilinear(convModule(g, adaptiveAvgPool2d(c3, s), `psp.${i}`, ch, 1), h3, w3));
  const top = convModule(g, op.concat([c3, ...pooled], 1), 'bottleneck', ch, 3);
  const lat = [convModule(g, c1, 'lateral.0', ch, 1), convModule(g, c2, 'lateral.1', ch, 1), top];
  for (let i = 2; i > 0; i--) lat[i - 1] = op.add(lat[i - 1], resizeBilinear(lat[i], lat[i - 1].shape[2] as number, lat[i - 1].shape[3] as number));
  const outs = [convModule(g, lat[0], 'fpn.0', ch, 3), convModule(g, lat[1], 'fpn.1', ch, 3), lat[2]];
  const [h1, w1] = [c1.shape[2] as number, c1.shape[3] as number];
  const fused = op.concat(outs.map((o) => (o.shape[2] === h1 ? o : resizeBilinear(o, h1, w1))), 1);
  return convModule(g, fused, 'fpn_bottleneck', ch, 3);
}

const bottleneckBlock = (g: Graph, dt: F) => g.scope('proj', () => bottleneck(g.input('x', dt, [2, 12, 6, 6]), { out: 16, bottleneck: 8, groups: 4 }));
const ppmFpnBlock = (g: Graph, dt: F) => ppmFpn(g, [g.input('c1', dt, [2, 4, 8, 8]), g.input('c2', dt, [2, 4, 4, 4]), g.input('c3', dt, [2, 6, 3, 3])], 4);
function moeBlock(g: Graph, dt: F): Value {
  const x = g.input('x', dt, [3, 8, 4, 4]);
  const logits = g.scope('gate', () => {
    const z = op.reduceMean(conv2d(x, { out: 4, kernel: 3 }), [2, 3], false);
    const temperature = g.param('temperature', dt, [], dt === 'float64' ? Float64Array.of(1.3) : Float32Array.of(1.3));
    return op.div(z, temperature);
  });
  const experts = [0, 1, 2, 3].map((e) => g.scope(`experts.${e}`, () => bottleneck(x, { out: 8, bottleneck: 4, groups: 2 })));
  return mixExperts(experts, topkRouting(logits, 2));
}

const BLOCKS: { name: string; build: (g: Graph, dt: F) => Value; inputs: Record<string, number[]>; inputSeed: number; training?: boolean; seed: number }[] = [
  { name: 'bottleneck', build: bottleneckBlock, inputs: { x: [2, 12, 6, 6] }, inputSeed: 11, seed: 3 },
  { name: 'PPM + FPN', build: ppmFpnBlock, inputs: { c1: [2, 4, 8, 8], c2: [2, 4, 4, 4], c3: [2, 6, 3, 3] }, inputSeed: 1, training: true, seed: 4 },
  // Input seed 5 routes the three samples to three of the four experts, so one expert is never selected.
  { name: 'top-2 MoE', build: moeBlock, inputs: { x: [3, 8, 4, 4] }, inputSeed: 5, seed: 6 },
];

const feedsFor = (b: (typeof BLOCKS)[number], dt: F) => Object.fromEntries(Object.entries(b.inputs).map(([k, dims], i) => [k, (dt === 'float64' ? f64 : f32)(dims, b.inputSeed + i)]));

/** Analytic gradients of Σ y·R for every input and parameter, as float64 arrays. */
async function analytic(block: (typeof BLOCKS)[number], dt: F): Promise<Map<string, Float64Array>> {
  const g = new Graph({ seed: block.seed, training: block.training });
  const y = block.build(g, dt);
  const dims = y.shape as number[];
  const r = randn(dims, 77);
  const loss = op.sumAll(op.mul(y, g.constant(dt === 'float64' ? r : Float32Array.from(r), dt, dims)));
  const wrt = [...g.inputs, ...g.trainableParams];
  const grads = gradients(loss, wrt);
  wrt.forEach((v, i) => g.output(grads.get(v)!, `grad${i}`));
  const s = await Session.create(serializeModel(g), { providers: ['cpu'] });
  const out = await s.run(feedsFor(block, dt));
  await s.release();
  return new Map(wrt.map((v, i) => [v.name, out[`grad${i}`].toFloat64()]));
}

describe('composite gradient checks (every parameter)', () => {
  it('detectron2 bottleneck block with GroupNorm and a conv+GN shortcut', async () => {
    await expectGradOk({ build: (g) => bottleneckBlock(g, 'float64'), feeds: feedsFor(BLOCKS[0], 'float64'), samples: 16, graph: { seed: 3 } });
  });

  it('UPerNet-style PPM + FPN with BatchNorm (training mode) and resize/pool matrices', async () => {
    await expectGradOk({ build: (g) => ppmFpnBlock(g, 'float64'), feeds: feedsFor(BLOCKS[1], 'float64'), samples: 12, graph: { seed: 4, training: true } });
  });

  it('top-2 mixture of experts: conv gate → global pool → temperature → top-2 softmax over bottleneck experts', async () => {
    const r = await expectGradOk({ build: (g) => moeBlock(g, 'float64'), feeds: feedsFor(BLOCKS[2], 'float64'), samples: 10, graph: { seed: 6 }, allowZero: /^experts\./ });
    // With 3 samples and top-2 of 4 experts, some expert is never chosen: its gradient must be exactly zero
    // (and the finite differences agree, within the tolerance checked above); the chosen ones must learn.
    const norms = [0, 1, 2, 3].map((e) => r.tensors.filter((t) => t.name.startsWith(`experts.${e}.`)).reduce((a, t) => a + t.norm, 0));
    expect(norms.filter((n) => n === 0).length).toBeGreaterThanOrEqual(1);
    expect(norms.filter((n) => n > 0).length).toBeGreaterThanOrEqual(2);
  });

  it('dropout with a fed mask, a 1×1 classifier and weighted cross-entropy with ignored pixels', async () => {
    const target = Tensor.of('int64', BigInt64Array.from({ length: 2 * 5 * 5 }, (_, i) => BigInt(i % 7 === 0 ? -100 : i % 3)), [2, 5, 5]);
    const mask = Tensor.of('float64', Float64Array.from({ length: 2 * 6 }, (_, i) => (i % 4 === 1 ? 0 : 1)), [2, 6, 1, 1]);
    await expectGradOk({
      build: (g) => {
        const x = g.input('x', 'float64', [2, 6, 5, 5]);
        const d = dropout(x, { p: 0.25, channelwise: true, mask: g.input('mask', 'float64', [2, 6, 1, 1]) });
        const logits = g.scope('cls', () => conv2d(d, { out: 3, kernel: 1 }));
        return crossEntropy(logits, g.input('target', 'int64', [2, 5, 5]), { classWeights: Float32Array.of(1, 2, 0.5) });
      },
      feeds: { x: f64([2, 6, 5, 5], 9), mask, target },
      wrt: ['x', 'cls.weight', 'cls.bias'],
      graph: { seed: 7, training: true },
    });
  });
});

describe('float32 graphs (real Conv nodes, GroupNorm as LayerNormalization) against the checked float64 ones', () => {
  // Finite differences in float32 are squeezed between rounding (~1e-7 per value, so small steps are noisy) and
  // ReLU kinks / curvature (so large steps are biased): measured, the per-tensor error at h = 1e-3 ranges from
  // 1e-4 to ~6e-3 depending on the inputs. So the float32 path (onnxruntime Conv, ConvTranspose-free stride-1
  // input gradient, GroupNorm as LayerNormalization) is proven by equality of its analytic gradients with the
  // float64 path's, which the finite differences above verify to better than 1e-6; the float32 finite
  // differences remain as a coarse, independent sanity check (1e-2).
  for (const block of BLOCKS) {
    it(`${block.name}: float32 analytic gradients equal the float64 ones`, async () => {
      const [a32, a64] = [await analytic(block, 'float32'), await analytic(block, 'float64')];
      expect([...a32.keys()]).toEqual([...a64.keys()]);
      for (const [name, want] of a64) {
        const got = a32.get(name)!;
        let num = 0;
        let den = 0;
        for (let i = 0; i < want.length; i++) {
          num += (got[i] - want[i]) ** 2;
          den += want[i] ** 2;
        }
        if (den === 0) expect(num, name).toBe(0);
        else expect(Math.sqrt(num / den), name).toBeLessThan(2e-5);
      }
    });
  }

  it('bottleneck in float32: per-coordinate finite differences (h = 1e-3) as a coarse sanity check', async () => {
    const r = await checkGradients({ build: (g) => bottleneckBlock(g, 'float32'), feeds: feedsFor(BLOCKS[0], 'float32'), eps: 1e-3, stencil: 2, samples: 16, graph: { seed: 3 } });
    for (const t of r.tensors) expect(t.relErr, t.name).toBeLessThanOrEqual(1e-2);
  });
});
