import { mkdtempSync, readFileSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import pb from 'onnx-proto';
import { Graph } from '../../../src/engine/nn/graph';
import * as op from '../../../src/engine/nn/ops';
import { saveModel, serializeModel } from '../../../src/engine/nn/serialize';
import { float32ToFloat16 } from '../../../src/engine/nn/fp16';
import { Session, Tensor } from '../../../src/engine/runtime';
import { SatError } from '../../../src/shared/errors';

describe('Graph builder: shapes, names, errors', () => {
  it('infers shapes through conv, reshape, matmul and softmax, symbolic batch included', () => {
    const g = new Graph();
    const x = g.input('x', 'float32', ['batch', 3, 8, 8]);
    const w = g.param('w', 'float32', [4, 3, 3, 3], () => new Float32Array(108));
    const y = op.conv(x, w, undefined, { strides: [2, 2], pads: [1, 1, 1, 1] });
    expect(y.shape).toEqual(['batch', 4, 4, 4]);
    const f = op.reshape(y, [0, -1]);
    expect(f.shape).toEqual(['batch', 64]);
    const m = op.matmul(f, g.param('fc', 'float32', [64, 10], () => new Float32Array(640)));
    expect(m.shape).toEqual(['batch', 10]);
    expect(op.softmax(m, 1).shape).toEqual(['batch', 10]);
    expect(op.reduceMean(y, [2, 3], false).shape).toEqual(['batch', 4]);
    const parts = op.split(y, [1, 3], 1);
    expect(parts.map((p) => p.shape)).toEqual([['batch', 1, 4, 4], ['batch', 3, 4, 4]]);
    expect(op.slice(y, [1], [100], [2]).shape).toEqual(['batch', 4, 3, 4]);
    expect(op.transpose(y, [0, 2, 3, 1]).shape).toEqual(['batch', 4, 4, 4]);
    expect(op.add(y, g.param('b', 'float32', [4, 1, 1], () => new Float32Array(4))).shape).toEqual(['batch', 4, 4, 4]);
  });

  it('names parameters torch-style under nested scopes and refuses duplicates', () => {
    const g = new Graph();
    const w = g.scope('up_blocks.1', () => g.scope('resnets.0', () => g.param('conv1.weight', 'float32', [2], () => new Float32Array(2))));
    expect(w.name).toBe('up_blocks.1.resnets.0.conv1.weight');
    expect(() => g.scope('up_blocks.1.resnets.0', () => g.param('conv1.weight', 'float32', [2], () => new Float32Array(2)))).toThrow(/already has a value named/);
  });

  it('says which op, scope and shapes are wrong', () => {
    const g = new Graph();
    const a = g.input('a', 'float32', [2, 3]);
    const b = g.input('b', 'float32', [4, 5]);
    let err: unknown;
    try {
      g.scope('decoder', () => op.matmul(a, b));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SatError);
    expect((err as SatError).message).toMatch(/MatMul in decoder .*a: float32\[2, 3\].*inner dims differ.*3 vs 4/);
    expect(() => op.add(a, b)).toThrow(/do not broadcast/);
    expect(() => g.op1('FancyOp', [a])).toThrow(/cannot infer the output shape of FancyOp/);
  });

  it('rejects weights of the wrong size with MODEL_MISMATCH', () => {
    const g = new Graph({ weights: new Map([['fc.weight', new Float32Array(5)]]) });
    expect(() => g.scope('fc', () => g.param('weight', 'float32', [2, 3], () => new Float32Array(6)))).toThrow(/has 5 values but the model declares shape \[2, 3\]/);
  });

  it('gives the same initial weights for the same seed, independent of declaration order', async () => {
    const { heNormal } = await import('../../../src/engine/nn/init');
    const g1 = new Graph({ seed: 7 });
    g1.param('a', 'float32', [16], heNormal);
    g1.param('b', 'float32', [4, 4], heNormal);
    const g2 = new Graph({ seed: 7 });
    g2.param('b', 'float32', [4, 4], heNormal);
    expect(g2.paramData('b')).toEqual(g1.paramData('b'));
    const g3 = new Graph({ seed: 8 });
    g3.param('b', 'float32', [4, 4], heNormal);
    expect(g3.paramData('b')).not.toEqual(g1.paramData('b'));
  });
});

function conv3x3Ref(x: Float32Array, w: Float32Array, c: number, h: number, wd: number, m: number): Float32Array {
  const out = new Float32Array(m * h * wd);
  for (let o = 0; o < m; o++) for (let i = 0; i < h; i++) for (let j = 0; j < wd; j++) {
    let s = 0;
    for (let ci = 0; ci < c; ci++) for (let ki = 0; ki < 3; ki++) for (let kj = 0; kj < 3; kj++) {
      const y = i + ki - 1;
      const xx = j + kj - 1;
      if (y < 0 || y >= h || xx < 0 || xx >= wd) continue;
      s += x[(ci * h + y) * wd + xx] * w[((o * c + ci) * 3 + ki) * 3 + kj];
    }
    out[(o * h + i) * wd + j] = s;
  }
  return out;
}

function buildSmall(): { g: Graph; w: Float32Array; fc: Float32Array } {
  const w = Float32Array.from({ length: 4 * 2 * 9 }, (_, i) => Math.sin(i) * 0.5);
  const fc = Float32Array.from({ length: 4 * 5 * 5 * 3 }, (_, i) => Math.cos(i) * 0.1);
  const g = new Graph({ name: 'small' });
  const x = g.input('x', 'float32', ['n', 2, 5, 5]);
  const y = op.relu(op.conv(x, g.param('conv.weight', 'float32', [4, 2, 3, 3], w), undefined, { pads: [1, 1, 1, 1] }));
  const z = op.matmul(op.reshape(y, [0, -1]), g.param('fc.weight', 'float32', [100, 3], fc));
  g.output(op.softmax(z, 1), 'probs');
  return { g, w, fc };
}

function reference(x: Float32Array, w: Float32Array, fc: Float32Array): number[] {
  const y = conv3x3Ref(x, w, 2, 5, 5, 4).map((v) => Math.max(v, 0));
  const z = [0, 1, 2].map((k) => y.reduce((s, v, i) => s + v * fc[i * 3 + k], 0));
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

describe('serialization + runtime', () => {
  const x = Float32Array.from({ length: 50 }, (_, i) => ((i * 37) % 11) / 5 - 1);

  it('runs a built Conv→Relu→MatMul→Softmax model in ORT and matches a plain-JS reference', async () => {
    const { g, w, fc } = buildSmall();
    const s = await Session.create(serializeModel(g), { providers: ['cpu'] });
    expect(s.inputs).toEqual([{ name: 'x', dtype: 'float32', shape: ['n', 2, 5, 5] }]);
    const out = await s.run({ x: Tensor.of('float32', x, [1, 2, 5, 5]) });
    const ref = reference(x, w, fc);
    const got = Array.from(out.probs.data as Float32Array);
    got.forEach((v, i) => expect(v).toBeCloseTo(ref[i], 6));
    await s.release();
    await s.release();
    await expect(s.run({ x: Tensor.of('float32', x, [1, 2, 5, 5]) })).rejects.toThrow(/released/);
  });

  it('writes weights over the threshold to an external data file that ORT loads by path', async () => {
    const { g, w, fc } = buildSmall();
    const dir = mkdtempSync(join(tmpdir(), 'nn-ext-'));
    const files = saveModel(g, join(dir, 'm.onnx'), { external: { threshold: 64 } });
    expect(files).toEqual([join(dir, 'm.onnx'), join(dir, 'm.onnx.data')]);
    expect(statSync(files[1]).size).toBeGreaterThanOrEqual((w.length + fc.length) * 4);
    const proto = pb.onnx.ModelProto.decode(readFileSync(files[0]));
    const ext = proto.graph!.initializer!.filter((t) => t.dataLocation === pb.onnx.TensorProto.DataLocation.EXTERNAL).map((t) => t.name);
    expect(ext.sort()).toEqual(['conv.weight', 'fc.weight']);
    expect(Number(proto.opsetImport![0].version)).toBe(18);
    const s = await Session.create(files[0], { providers: ['cpu'] });
    const out = await s.run({ x: Tensor.of('float32', x, [1, 2, 5, 5]) });
    const ref = reference(x, w, fc);
    Array.from(out.probs.data as Float32Array).forEach((v, i) => expect(v).toBeCloseTo(ref[i], 6));
    await s.release();
    expect(existsSync(files[1])).toBe(true);
  });

  it('serializes parameters as inputs for training graphs', async () => {
    const { g, w, fc } = buildSmall();
    const s = await Session.create(serializeModel(g, { paramsAs: 'inputs' }), { providers: ['cpu'] });
    expect(s.inputs.map((i) => i.name).sort()).toEqual(['conv.weight', 'fc.weight', 'x']);
    const out = await s.run({ x: Tensor.of('float32', x, [1, 2, 5, 5]), 'conv.weight': Tensor.of('float32', w, [4, 2, 3, 3]), 'fc.weight': Tensor.of('float32', fc, [100, 3]) });
    const ref = reference(x, w, fc);
    Array.from(out.probs.data as Float32Array).forEach((v, i) => expect(v).toBeCloseTo(ref[i], 6));
    await expect(s.run({ x: Tensor.of('float32', x, [1, 2, 5, 5]), 'fc.weight': Tensor.of('float32', fc, [100, 3]) })).rejects.toMatchObject({ code: 'MISSING_INPUT', message: expect.stringMatching(/needs input "conv.weight" \(float32 \[4, 2, 3, 3\]\)/) });
    await s.release();
  });

  it('stores float16 initializers bit-exactly', async () => {
    const g = new Graph();
    const x = g.input('x', 'float16', [3]);
    const halves = float32ToFloat16([0.1, -2.5, 1000]);
    g.output(op.add(x, g.param('b', 'float16', [3], halves)), 'y');
    const s = await Session.create(serializeModel(g), { providers: ['cpu'] });
    const out = await s.run({ x: Tensor.of('float16', float32ToFloat16([0, 0, 0]), [3]) });
    expect(Array.from(out.y.data as Uint16Array)).toEqual(Array.from(halves));
    expect(Array.from(out.y.toFloat32())).toEqual([0.0999755859375, -2.5, 1000]);
    await s.release();
  });
});
