// The head graphs against the independent PyTorch reference (test/fixtures/heads, tools/reference_heads):
// training-mode forward (batch-statistics BatchNorm, a given Dropout2d mask) and inference forward (BatchNorm
// folded into the convs from running statistics; eval mode with the statistics as buffers), per fusion, for segmentation and classification. The training
// graph has a fixed batch (timesteps stacked along the batch axis); the inference graph a symbolic one (Φ emitted
// per timestep), so both ways of sharing Φ across timesteps are checked.
import { describe, expect, it } from 'vitest';
import { buildHeadGraph, DROPOUT_MASK } from '../../../../src/engine/heads/graph/build';
import { serializeModel } from '../../../../src/engine/nn/serialize';
import { Session, Tensor } from '../../../../src/engine/runtime';
import { loadCase, relErr } from './golden';

const CASES = ['seg_gw', 'seg_lw', 'seg_moe_dense', 'seg_moe_topk', 'seg_concat', 'cls_gw', 'cls_lw', 'cls_moe_topk', 'cls_concat'];

async function run(bytes: Uint8Array, feeds: Record<string, Tensor>) {
  const s = await Session.create(bytes, { providers: ['cpu'], intraOpThreads: 1, optimization: 'disabled' });
  try {
    return await s.run(feeds);
  } finally {
    await s.release();
  }
}

describe('head graphs match the PyTorch reference', () => {
  for (const name of CASES) {
    it(`${name}: training forward and folded inference forward`, async () => {
      const c = loadCase(name);
      const routing = c.cfg.moeMode === 'dense' ? 'dense' : 'topk';
      const feeds: Record<string, Tensor> = {};
      for (const [k, v] of Object.entries(c.feeds)) feeds[k] = Tensor.of('float32', v.data, v.shape);

      const train = buildHeadGraph(c.spec, { mode: 'train', batch: c.cfg.batch, weights: c.params, routing, outSize: c.cfg.outputSize, exposeFused: true });
      // every reference parameter is used by the graph, and nothing else is trainable
      expect(train.graph.trainableParams.map((p) => p.name).sort()).toEqual([...c.params.keys()].sort());
      const trainFeeds = { ...feeds };
      if (c.cfg.task === 'seg') {
        const m = c.inputs.get('dropout_mask')!;
        trainFeeds[DROPOUT_MASK] = Tensor.of('float32', m.data, m.shape);
      }
      const out = await run(serializeModel(train.graph), trainFeeds);
      const want = c.tensors.get('out.logits_train')!;
      expect(out.logits!.dims).toEqual(want.shape);
      expect(relErr(out.logits!.toFloat32(), want.data)).toBeLessThan(2e-5);
      for (let s = 0; s < 4; s++) expect(relErr(out[`fused_s${s + 1}`]!.toFloat32(), c.tensors.get(`out.fused.s${s}`)!.data)).toBeLessThan(2e-5);

      const weights = new Map([...c.params, ...c.state]);
      const infer = buildHeadGraph(c.spec, { mode: 'infer', weights, routing, outSize: c.cfg.outputSize });
      const eval_ = await run(serializeModel(infer.graph), feeds);
      expect(relErr(eval_.logits!.toFloat32(), c.tensors.get('out.logits_eval')!.data)).toBeLessThan(2e-5);

      // eval mode (validation during training): BatchNorm unfolded, statistics as buffers
      const ev = buildHeadGraph(c.spec, { mode: 'eval', weights, routing, outSize: c.cfg.outputSize });
      const evOut = await run(serializeModel(ev.graph), feeds);
      expect(relErr(evOut.logits!.toFloat32(), c.tensors.get('out.logits_eval')!.data)).toBeLessThan(2e-5);
    });
  }
});
