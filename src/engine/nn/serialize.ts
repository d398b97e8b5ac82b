// Graph -> ONNX ModelProto bytes. Opset 18 (ai.onnx), IR version 8: onnxruntime 1.30 runs every op we emit at
// this opset, reductions take `axes` as an input (uniform across ReduceSum/Mean/Max), and Split has num_outputs.
// GroupNormalization is emitted as its decomposition (blocks/norm.ts): opset 18's GroupNormalization has
// per-group scale/bias (fixed only in opset 21), and the decomposition is what autodiff differentiates.
//
// Tensors larger than a protobuf message may hold (2 GB) go to an external data file next to the model
// (`model.onnx` + `model.onnx.data`), which onnxruntime loads from the model's folder (saveModel).
import { closeSync, openSync, writeSync } from 'node:fs';
import { basename } from 'node:path';
import pb from 'onnx-proto';
import { InvalidArgumentError, SatError } from '../../shared/errors';
import type { Attr } from './attrs';
import { ONNX_DTYPE, type DType, type TypedArray } from './dtype';
import type { Graph, Node, Value } from './graph';
import type { Shape } from './shape';

const { onnx } = pb;

export const OPSET = 18;
export const IR_VERSION = 8;
const PROTOBUF_LIMIT = 2 ** 31 - 1;

export interface SerializeOptions {
  /**
   * 'initializers' (inference: weights inside the model) or 'inputs' (training: parameters and buffers are fed
   * every step, so their values can change between runs without rebuilding the session).
   */
  paramsAs?: 'initializers' | 'inputs';
  /** Free-form key/value pairs stored in the model (provenance, configuration). */
  metadata?: Record<string, string>;
  docString?: string;
}

export interface ExternalDataOptions {
  /** File name of the data file, written next to the model (default `<model>.data`). */
  location?: string;
  /** Tensors of at least this many bytes go to the data file (default 1024). */
  threshold?: number;
}

function typeProto(dtype: DType, shape: Shape): pb.onnx.ITypeProto {
  return {
    tensorType: {
      elemType: ONNX_DTYPE[dtype],
      shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
    },
  };
}

function valueInfo(v: Value, name = v.name): pb.onnx.IValueInfoProto {
  return { name, type: typeProto(v.dtype, v.shape) };
}

function bytesOf(data: TypedArray): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function attrProto(name: string, a: Attr): pb.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  switch (a.type) {
    case 'int': return { name, type: T.INT, i: a.value };
    case 'float': return { name, type: T.FLOAT, f: a.value };
    case 'string': return { name, type: T.STRING, s: new TextEncoder().encode(a.value) };
    case 'ints': return { name, type: T.INTS, ints: [...a.value] };
    case 'floats': return { name, type: T.FLOATS, floats: [...a.value] };
    case 'strings': return { name, type: T.STRINGS, strings: a.value.map((s) => new TextEncoder().encode(s)) };
    case 'tensor': return { name, type: T.TENSOR, t: { dims: [...a.value.dims], dataType: ONNX_DTYPE[a.value.dtype], rawData: bytesOf(a.value.data) } };
  }
}

interface Placed {
  tensor: pb.onnx.ITensorProto;
  data: TypedArray;
}

function tensorProto(name: string, dtype: DType, shape: readonly number[], data: TypedArray): Placed {
  return { tensor: { name, dims: [...shape], dataType: ONNX_DTYPE[dtype], rawData: bytesOf(data) }, data };
}

function buildModel(g: Graph, opts: SerializeOptions): { model: pb.onnx.IModelProto; initializers: Placed[] } {
  const paramsAsInputs = opts.paramsAs === 'inputs';
  const initializers: Placed[] = [];
  const inputs: pb.onnx.IValueInfoProto[] = g.inputs.map((v) => valueInfo(v));
  for (const [name, e] of g.params) {
    if (paramsAsInputs) inputs.push(valueInfo(e.value));
    else initializers.push(tensorProto(name, e.value.dtype, e.value.shape as number[], g.paramData(name)));
  }
  if (g.outputs.length === 0) throw new InvalidArgumentError(`The graph "${g.name}" has no outputs.`, 'Mark at least one value with graph.output().');
  // Only nodes that an output depends on are written (autodiff and peephole rewrites leave dead ends), and only
  // the constants those nodes read.
  const live = liveNodes(g);
  const used = new Set<string>();
  for (const n of live) for (const v of n.inputs) if (v) used.add(v.name);
  for (const o of g.outputs) used.add(o.value.name);
  for (const [name, c] of g.constants) if (used.has(name)) initializers.push(tensorProto(name, c.dtype, c.shape as number[], c.constData!));
  const nodes: pb.onnx.INodeProto[] = live.map((n) => ({
    name: n.name,
    opType: n.opType,
    domain: n.domain,
    input: n.inputs.map((v) => (v ? v.name : '')),
    output: n.outputs.map((v) => v.name),
    attribute: Object.entries(n.attrs).map(([k, a]) => attrProto(k, a)),
  }));
  const metadataProps = [...g.metadata, ...Object.entries(opts.metadata ?? {})].map(([key, value]) => ({ key, value }));
  const domains = new Set(g.nodes.map((n) => n.domain).filter((d) => d !== ''));
  const model: pb.onnx.IModelProto = {
    irVersion: IR_VERSION,
    producerName: 'satdifuser-studio',
    producerVersion: '0.1.0',
    docString: opts.docString ?? '',
    opsetImport: [{ domain: '', version: OPSET }, ...[...domains].map((domain) => ({ domain, version: 1 }))],
    metadataProps,
    graph: {
      name: g.name,
      node: nodes,
      input: inputs,
      output: g.outputs.map((o) => valueInfo(o.value, o.name)),
      initializer: initializers.map((p) => p.tensor),
    },
  };
  return { model, initializers };
}

function liveNodes(g: Graph): Node[] {
  const needed = new Set(g.outputs.map((o) => o.value.name));
  const keep: boolean[] = new Array(g.nodes.length).fill(false);
  for (let i = g.nodes.length - 1; i >= 0; i--) {
    const n = g.nodes[i];
    if (!n.outputs.some((o) => needed.has(o.name))) continue;
    keep[i] = true;
    for (const v of n.inputs) if (v) needed.add(v.name);
  }
  return g.nodes.filter((_, i) => keep[i]);
}

/** The model as ONNX bytes with every tensor inside (fails over 2 GB: use saveModel with external data). */
export function serializeModel(g: Graph, opts: SerializeOptions = {}): Uint8Array {
  const { model, initializers } = buildModel(g, opts);
  const total = initializers.reduce((a, p) => a + p.data.byteLength, 0);
  if (total > PROTOBUF_LIMIT - 64 * 1024 * 1024) {
    throw new SatError('ABSURD_SIZE', `The graph "${g.name}" holds ${(total / 2 ** 30).toFixed(2)} GiB of tensors, over the 2 GB limit of one ONNX file.`, {
      hint: 'Save it with saveModel(graph, path, { external: {} }) so the weights go to a .onnx.data file next to the model.',
    });
  }
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}

/**
 * Writes the model to `path`. With `external`, tensors of at least `threshold` bytes go to `<path>.data`
 * (page-aligned offsets, so onnxruntime can map them); needed above 2 GB. Returns the files written.
 */
export function saveModel(g: Graph, path: string, opts: SerializeOptions & { external?: ExternalDataOptions } = {}): string[] {
  const { model, initializers } = buildModel(g, opts);
  const files = [path];
  if (opts.external) {
    const location = opts.external.location ?? `${basename(path)}.data`;
    const threshold = opts.external.threshold ?? 1024;
    const dataPath = path.slice(0, path.length - basename(path).length) + location;
    const fd = openSync(dataPath, 'w');
    try {
      let offset = 0;
      for (const p of initializers) {
        if (p.data.byteLength < threshold) continue;
        const aligned = Math.ceil(offset / 4096) * 4096;
        if (aligned > offset) writeSync(fd, new Uint8Array(aligned - offset), 0, aligned - offset, offset);
        const bytes = bytesOf(p.data);
        // writeSync may write less than asked for very large buffers; loop until done.
        for (let done = 0; done < bytes.length;) done += writeSync(fd, bytes, done, Math.min(bytes.length - done, 1 << 30), aligned + done);
        p.tensor.rawData = undefined;
        p.tensor.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
        p.tensor.externalData = [
          { key: 'location', value: location },
          { key: 'offset', value: String(aligned) },
          { key: 'length', value: String(bytes.length) },
        ];
        offset = aligned + bytes.length;
      }
    } finally {
      closeSync(fd);
    }
    files.push(dataPath);
  }
  const bytes = onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
  const fd = openSync(path, 'w');
  try {
    for (let done = 0; done < bytes.length;) done += writeSync(fd, bytes, done, bytes.length - done);
  } finally {
    closeSync(fd);
  }
  return files;
}
