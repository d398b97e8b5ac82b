// Loss and gradients of the head training graphs against PyTorch autograd on the reference heads
// (test/fixtures/heads): weighted cross-entropy with ignored pixels, every parameter's gradient.
import { describe, expect, it } from 'vitest';
import { DROPOUT_MASK } from '../../../../src/engine/heads/graph/build';
import { MOE_DENSE } from '../../../../src/engine/heads/graph/fusion';
import { buildTrainingGraph, CLASS_WEIGHTS, LABELS } from '../../../../src/engine/heads/graph/training';
import { serializeModel } from '../../../../src/engine/nn/serialize';
import { Session, Tensor } from '../../../../src/engine/runtime';
import { loadCase, relErr } from './golden';

const CASES = ['seg_gw', 'seg_lw', 'seg_moe_dense', 'seg_moe_topk', 'seg_concat', 'cls_gw', 'cls_lw', 'cls_moe_topk', 'cls_concat'];

describe('head training graphs: loss and gradients match PyTorch autograd', () => {
  for (const name of CASES) {
    it(name, async () => {
      const c = loadCase(name);
      // MoE runs through the training graphs' 'switch' routing (bool input moe_dense), checking both of its branches
      const tg = buildTrainingGraph(c.spec, { batch: c.cfg.batch, weights: c.params, routing: c.cfg.moeMode ? 'switch' : 'topk', outSize: c.cfg.outputSize });
      const feeds: Record<string, Tensor> = {};
      for (const [k, v] of Object.entries(c.feeds)) feeds[k] = Tensor.of('float32', v.data, v.shape);
      const seg = c.cfg.task === 'seg';
      const labels = c.inputs.get(seg ? 'seg_labels' : 'cls_labels')!;
      feeds[LABELS] = Tensor.of('uint8', labels.bytes, labels.shape);
      const w = c.inputs.get(seg ? 'class_weights_seg' : 'class_weights_cls')!;
      feeds[CLASS_WEIGHTS] = Tensor.of('float32', w.data, w.shape);
      if (c.cfg.moeMode) feeds[MOE_DENSE] = Tensor.of('bool', Uint8Array.of(c.cfg.moeMode === 'dense' ? 1 : 0), []);
      if (seg) {
        const m = c.inputs.get('dropout_mask')!;
        feeds[DROPOUT_MASK] = Tensor.of('float32', m.data, m.shape);
      }
      const s = await Session.create(serializeModel(tg.graph), { providers: ['cpu'], intraOpThreads: 1, optimization: 'disabled' });
      try {
        const out = await s.run(feeds);
        expect(out.loss!.item()).toBeCloseTo(c.tensors.get('out.loss')!.data[0]!, 5);
        // Conv biases right before a training-mode BatchNorm have an exactly-zero gradient (BN removes the mean):
        // there both sides are rounding noise, so errors are measured against at least 1 % of the largest gradient (absolute error ≤ 1e-6 of it).
        let scale = 0;
        for (const want of c.grads.values()) for (const v of want) scale = Math.max(scale, Math.abs(v));
        const worst: [string, number][] = [];
        for (const [pname, want] of c.grads) {
          const got = out[`grad.${pname}`]!.toFloat32();
          let maxAbs = 0;
          for (const v of want) maxAbs = Math.max(maxAbs, Math.abs(v));
          worst.push([pname, relErr(got, want) * (maxAbs + 1e-12) / Math.max(maxAbs, 1e-2 * scale)]);
        }
        worst.sort((a, b) => b[1] - a[1]);
        expect(worst[0]![1], `worst gradient: ${worst[0]![0]}`).toBeLessThan(1e-4);
      } finally {
        await s.release();
      }
    });
  }
});
