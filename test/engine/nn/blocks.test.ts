import { describe, expect, it } from 'vitest';
import { bottleneck } from '../../../src/engine/nn/blocks/bottleneck';
import { conv2d } from '../../../src/engine/nn/blocks/conv';
import { dropout } from '../../../src/engine/nn/blocks/dropout';
import { mixExperts, topkRouting } from '../../../src/engine/nn/blocks/moe';
import { adaptivePoolMatrix, bilinearMatrix } from '../../../src/engine/nn/blocks/resample';
import { Graph } from '../../../src/engine/nn/graph';
import { serializeModel } from '../../../src/engine/nn/serialize';
import { Session, Tensor } from '../../../src/engine/runtime';

async function runOnce(g: Graph, feeds: Record<string, Tensor>, runs = 1): Promise<Record<string, Tensor>[]> {
  const s = await Session.create(serializeModel(g), { providers: ['cpu'] });
  const out: Record<string, Tensor>[] = [];
  for (let i = 0; i < runs; i++) out.push(await s.run(feeds));
  await s.release();
  return out;
}

describe('dropout', () => {
  const build = (training: boolean, seed: number, channelwise = false) => {
    const g = new Graph({ training });
    g.output(dropout(g.input('x', 'float32', [4, 64, 8, 8]), { p: 0.25, seed, channelwise }), 'y');
    return g;
  };
  const ones = { x: Tensor.of('float32', new Float32Array(4 * 64 * 64).fill(1), [4, 64, 8, 8]) };

  it('drawn in-graph: drops about p of the values, scales the rest by 1/(1 − p), reproducibly per seed', async () => {
    const [a1, a2] = await runOnce(build(true, 7), ones, 2);
    const [b1] = await runOnce(build(true, 7), ones);
    const [c1] = await runOnce(build(true, 8), ones);
    const y = a1.y.data as Float32Array;
    const zeros = y.filter((v) => v === 0).length / y.length;
    expect(zeros).toBeGreaterThan(0.22);
    expect(zeros).toBeLessThan(0.28);
    expect(y.every((v) => v === 0 || Math.abs(v - 1 / 0.75) < 1e-6)).toBe(true);
    expect(Array.from(b1.y.data as Float32Array)).toEqual(Array.from(y)); // same seed, fresh session: same first mask
    expect(Array.from(a2.y.data as Float32Array)).not.toEqual(Array.from(y)); // the generator advances between runs
    expect(Array.from(c1.y.data as Float32Array)).not.toEqual(Array.from(y));
  });

  it('Dropout2d zeroes whole channels', async () => {
    const [r] = await runOnce(build(true, 3, true), ones);
    const y = r.y.data as Float32Array;
    for (let nc = 0; nc < 4 * 64; nc++) {
      const ch = y.subarray(nc * 64, nc * 64 + 64);
      expect(ch.every((v) => v === ch[0])).toBe(true);
    }
  });

  it('vanishes in eval graphs', () => {
    const g = build(false, 1);
    expect(g.nodes.filter((n) => n.opType !== 'Identity')).toHaveLength(0);
  });
});

describe('top-k routing', () => {
  it('gives softmax weights over the k largest logits, zeros elsewhere; k = E is the dense softmax', async () => {
    const logits = Float32Array.of(0.1, 2, -1, 1.5, 0.3, /* row 2 */ 3, 0, 0.5, -2, 0.4);
    for (const k of [2, 5]) {
      const g = new Graph();
      g.output(topkRouting(g.input('l', 'float32', [2, 5]), k), 'w');
      const [r] = await runOnce(g, { l: Tensor.of('float32', logits, [2, 5]) });
      const w = Array.from(r.w.data as Float32Array);
      for (let row = 0; row < 2; row++) {
        const lr = Array.from(logits.subarray(row * 5, row * 5 + 5));
        const top = [...lr].sort((a, b) => b - a).slice(0, k);
        const z = top.reduce((a, v) => a + Math.exp(v), 0);
        lr.forEach((v, i) => expect(w[row * 5 + i]).toBeCloseTo(top.includes(v) ? Math.exp(v) / z : 0, 6));
      }
    }
  });

  it('mixes expert outputs with per-sample weights', async () => {
    const g = new Graph();
    const e = [0, 1, 2].map((i) => g.input(`e${i}`, 'float32', [2, 3]));
    g.output(mixExperts(e, g.input('w', 'float32', [2, 3])), 'y');
    const feeds: Record<string, Tensor> = { w: Tensor.of('float32', Float32Array.of(0.5, 0.5, 0, 0, 0.25, 0.75), [2, 3]) };
    e.forEach((_, i) => (feeds[`e${i}`] = Tensor.of('float32', new Float32Array(6).fill(i + 1), [2, 3])));
    const [r] = await runOnce(g, feeds);
    expect(Array.from(r.y.data as Float32Array)).toEqual([1.5, 1.5, 1.5, 2.75, 2.75, 2.75]);
  });
});

describe('layer builders', () => {
  it('bottleneck parameters carry detectron2 names and shapes', () => {
    const g = new Graph();
    g.scope('proj.0', () => bottleneck(g.input('x', 'float32', [1, 320, 8, 8]), { out: 384, bottleneck: 96 }));
    const shapes = Object.fromEntries([...g.params].map(([k, e]) => [k, e.value.shape]));
    expect(shapes).toEqual({
      'proj.0.shortcut.weight': [384, 320, 1, 1], 'proj.0.shortcut.norm.weight': [384], 'proj.0.shortcut.norm.bias': [384],
      'proj.0.conv1.weight': [96, 320, 1, 1], 'proj.0.conv1.norm.weight': [96], 'proj.0.conv1.norm.bias': [96],
      'proj.0.conv2.weight': [96, 96, 3, 3], 'proj.0.conv2.norm.weight': [96], 'proj.0.conv2.norm.bias': [96],
      'proj.0.conv3.weight': [384, 96, 1, 1], 'proj.0.conv3.norm.weight': [384], 'proj.0.conv3.norm.bias': [384],
    });
    // 480·C + 121,728 parameters for C = 320 (method.md §3.1).
    expect([...g.params.values()].reduce((a, e) => a + (e.value.shape as number[]).reduce((x, y) => x * y, 1), 0)).toBe(480 * 320 + 121_728);
    // c2_msra_fill: kaiming normal, fan_out, relu gain: std √(2 / (96·9)) for conv2.
    const w = g.paramData('proj.0.conv2.weight') as Float32Array;
    const std = Math.sqrt(w.reduce((a, v) => a + v * v, 0) / w.length);
    expect(std).toBeGreaterThan(0.95 * Math.sqrt(2 / 864));
    expect(std).toBeLessThan(1.05 * Math.sqrt(2 / 864));
  });

  it('conv2d default init stays within PyTorch\'s kaiming-uniform bounds', () => {
    const g = new Graph({ seed: 1 });
    g.scope('c', () => conv2d(g.input('x', 'float32', [1, 8, 4, 4]), { out: 16, kernel: 3 }));
    const bound = 1 / Math.sqrt(8 * 9);
    const w = g.paramData('c.weight') as Float32Array;
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.9 * bound);
    expect(Math.max(...(g.paramData('c.bias') as Float32Array).map(Math.abs))).toBeLessThanOrEqual(bound);
  });

  it('interpolation and pooling matrices have rows summing to 1 and the documented bins', () => {
    for (const [i, o] of [[4, 8], [7, 3], [32, 256], [1, 5]]) {
      const m = bilinearMatrix(i, o);
      for (let r = 0; r < o; r++) expect(m.subarray(r * i, r * i + i).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    }
    // adaptive 4 → 3: bins [0, 2), [1, 3), [2, 4).
    expect(Array.from(adaptivePoolMatrix(4, 3))).toEqual([0.5, 0.5, 0, 0, 0, 0.5, 0.5, 0, 0, 0, 0.5, 0.5]);
    expect(() => bilinearMatrix(0, 3)).toThrow(/sizes ≥ 1/);
  });
});
