/**
 * A typed builder for ONNX graphs (opset 18, see serialize.ts), the base of every model the engine runs:
 * backbone inference graphs, head inference graphs and training graphs (forward + backward + optimizer step).
 *
 * API in brief (stable; docs/training-engine.md has the long version):
 *
 *   const g = new Graph({ name: 'head', seed: 42, training: true, weights });
 *   const x = g.input('features', 'float32', ['batch', 384, 32, 32]);     // symbolic or numeric dims
 *   const y = g.scope('decoder.conv', () => conv2d(x, { out: 512, kernel: 3, pad: 1 }));  // blocks/ builders
 *   const w = g.param('weight', 'float32', [512, 384], heNormal(384));     // named `<scope>.weight`
 *   const z = g.op1('Relu', [y]);                                          // any ONNX op; shapes inferred
 *   g.output(z, 'logits');
 *   const bytes = serializeModel(g);                                       // serialize.ts (or saveModel for > 2 GB)
 *
 * - Values know their graph, dtype and shape; every op output gets its shape from infer/ (or from `outputTypes`
 *   for an op the inference does not know). Errors name the op, its scope and the shapes involved.
 * - Parameters (`param`) and buffers (`buffer`, e.g. BatchNorm running stats) are named tensors whose data is
 *   resolved lazily: from `weights` when given (checked against the declared shape), else from the init function.
 *   serialize.ts writes them as initializers (inference) or as graph inputs (training graphs, state fed per step).
 * - Constants (`constant`, `scalar`) are initializers whose data shape inference can read (Reshape shapes, axes...).
 * - `scope(name, fn)` prefixes parameter names torch-style (`up_blocks.1.resnets.0.conv1.weight`) so weights
 *   load from diffusers/PyTorch state dicts by name; node and value names use `scope/Op_n`.
 * - The graph is append-only and nodes are kept in emission order, which is a topological order: autodiff
 *   (autodiff/grad.ts) walks it backwards and appends gradient nodes to the same graph.
 */
import { InvalidArgumentError, SatError } from '../../shared/errors';
import { type Attr, type AttrInput, toAttr } from './attrs';
import { type DType, type TypedArray, checkStorage } from './dtype';
import { inferOutputs } from './infer/index';
import { type Shape, formatShape, numel, isStatic } from './shape';
import { Rng } from './rng';
import { float32ToFloat16, numberToHalf as halfBits } from './fp16';

export type ValueKind = 'input' | 'param' | 'buffer' | 'const' | 'node';

export class Value {
  constructor(
    readonly graph: Graph,
    readonly name: string,
    readonly dtype: DType,
    readonly shape: Shape,
    readonly kind: ValueKind,
    /** Known data (constants only): shape inference reads Reshape targets, axes, pads from it. */
    readonly constData?: TypedArray,
  ) {}

  get rank(): number {
    return this.shape.length;
  }

  /** The node that computed this value (undefined for inputs, parameters, buffers and constants). */
  get producer(): Node | undefined {
    return this.graph.producerOf(this);
  }

  toString(): string {
    return `${this.name}: ${this.dtype}${formatShape(this.shape)}`;
  }
}

export interface Node {
  readonly index: number;
  readonly opType: string;
  readonly domain: string;
  readonly name: string;
  readonly inputs: readonly (Value | undefined)[];
  readonly outputs: readonly Value[];
  readonly attrs: Readonly<Record<string, Attr>>;
}

/** Data for a parameter or buffer: a typed array, or a function that makes one (seeded, called at most once). */
export type ParamInit = TypedArray | ((shape: readonly number[], rng: Rng) => TypedArray);

export interface ParamEntry {
  readonly value: Value;
  readonly trainable: boolean;
  readonly init: ParamInit;
}

export interface OpOptions {
  /** Number of outputs (default 1). */
  outputs?: number;
  /** Output types for ops shape inference does not cover; also overrides inference. */
  outputTypes?: readonly { dtype: DType; shape: Shape }[];
  /** Base for node and output names (default the op type). */
  name?: string;
  domain?: string;
}

export interface GraphOptions {
  name?: string;
  /** Seed for parameter initialisers: the same seed and build order give the same weights. */
  seed?: number;
  /** Training-mode semantics for BatchNorm/Dropout builders (blocks/ read this). */
  training?: boolean;
  /** Weights by full parameter name; a param found here takes this data instead of its initialiser. */
  weights?: ReadonlyMap<string, TypedArray>;
}

export class Graph {
  readonly name: string;
  readonly training: boolean;
  readonly rng: Rng;
  readonly inputs: Value[] = [];
  readonly outputs: { name: string; value: Value }[] = [];
  readonly nodes: Node[] = [];
  readonly params = new Map<string, ParamEntry>();
  readonly constants = new Map<string, Value>();
  readonly metadata = new Map<string, string>();
  private readonly weights?: ReadonlyMap<string, TypedArray>;
  private readonly resolved = new Map<string, TypedArray>();
  private readonly producers = new Map<string, Node>();
  private readonly names = new Set<string>();
  private readonly counters = new Map<string, number>();
  private readonly scopes: string[] = [];

  constructor(opts: GraphOptions = {}) {
    this.name = opts.name ?? 'graph';
    this.training = opts.training ?? false;
    this.rng = new Rng(opts.seed ?? 0);
    this.weights = opts.weights;
  }

  // ---- naming -------------------------------------------------------------------------------------------

  /** Runs `fn` with `name` appended to the parameter-name scope (joined by '.'). */
  scope<T>(name: string, fn: () => T): T {
    this.scopes.push(name);
    try {
      return fn();
    } finally {
      this.scopes.pop();
    }
  }

  get currentScope(): string {
    return this.scopes.filter((s) => s !== '').join('.');
  }

  /** The full, torch-style name of a parameter declared here as `local`. */
  qualify(local: string): string {
    const s = this.currentScope;
    return s ? `${s}.${local}` : local;
  }

  /** A fresh value/node name `scope/base_n`, never used before in this graph. */
  uniqueName(base: string): string {
    const s = this.currentScope;
    const stem = s ? `${s}/${base}` : base;
    let n = this.counters.get(stem) ?? 0;
    let name: string;
    do name = `${stem}_${n++}`; while (this.names.has(name));
    this.counters.set(stem, n);
    this.names.add(name);
    return name;
  }

  private claim(name: string, what: string): void {
    if (this.names.has(name)) throw new InvalidArgumentError(`The graph "${this.name}" already has a value named "${name}" (${what}).`, 'Give each input, parameter and output a unique name, or use a different scope.');
    this.names.add(name);
  }

  // ---- leaves -------------------------------------------------------------------------------------------

  /** A graph input. Dims may be symbolic (strings). The name is used as given (no scope). */
  input(name: string, dtype: DType, shape: Shape): Value {
    this.claim(name, 'input');
    const v = new Value(this, name, dtype, [...shape], 'input');
    this.inputs.push(v);
    return v;
  }

  /** A trainable parameter named `<scope>.<local>`. */
  param(local: string, dtype: DType, shape: readonly number[], init: ParamInit): Value {
    return this.addParam(local, dtype, shape, init, true);
  }

  /** Non-trainable state (BatchNorm running statistics): carried like a parameter, never differentiated. */
  buffer(local: string, dtype: DType, shape: readonly number[], init: ParamInit): Value {
    return this.addParam(local, dtype, shape, init, false);
  }

  private addParam(local: string, dtype: DType, shape: readonly number[], init: ParamInit, trainable: boolean): Value {
    const name = this.qualify(local);
    if (!isStatic(shape)) throw new InvalidArgumentError(`Parameter "${name}" has a symbolic shape ${formatShape(shape)}.`, 'Parameters need numeric shapes.');
    this.claim(name, trainable ? 'parameter' : 'buffer');
    const v = new Value(this, name, dtype, [...shape], trainable ? 'param' : 'buffer');
    const given = this.weights?.get(name);
    if (given) {
      checkStorage(dtype, given, `weight "${name}"`);
      if (given.length !== numel(shape)) {
        throw new SatError('MODEL_MISMATCH', `Weight "${name}" has ${given.length} values but the model declares shape ${formatShape(shape)} (${numel(shape)} values).`, {
          hint: 'The weights were saved for a different configuration (channels, classes or kernel size). Use matching weights or rebuild the model with the configuration they came from.',
          details: { name, shape, got: given.length },
        });
      }
    }
    this.params.set(name, { value: v, trainable, init: given ?? init });
    return v;
  }

  /** The data of a parameter or buffer (resolved once: given weights, else the initialiser). */
  paramData(name: string): TypedArray {
    const hit = this.resolved.get(name);
    if (hit) return hit;
    const e = this.params.get(name);
    if (!e) throw new InvalidArgumentError(`The graph "${this.name}" has no parameter "${name}".`);
    let data = typeof e.init === 'function' ? e.init(e.value.shape as number[], this.rng.fork(name)) : e.init;
    // Initialisers produce float32; a float64 or float16 parameter gets the same values in its own type.
    if (typeof e.init === 'function' && data instanceof Float32Array && e.value.dtype === 'float64') data = Float64Array.from(data);
    if (typeof e.init === 'function' && data instanceof Float32Array && e.value.dtype === 'float16') data = float32ToFloat16(data);
    checkStorage(e.value.dtype, data, `parameter "${name}"`);
    if (data.length !== numel(e.value.shape)) throw new InvalidArgumentError(`The initialiser of "${name}" returned ${data.length} values for shape ${formatShape(e.value.shape)}.`);
    this.resolved.set(name, data);
    return data;
  }

  /** Replaces parameter data (e.g. trained weights) before serialization; shape and dtype must match. */
  setParamData(name: string, data: TypedArray): void {
    const e = this.params.get(name);
    if (!e) throw new InvalidArgumentError(`The graph "${this.name}" has no parameter "${name}".`);
    checkStorage(e.value.dtype, data, `parameter "${name}"`);
    if (data.length !== numel(e.value.shape)) throw new SatError('MODEL_MISMATCH', `"${name}" needs ${numel(e.value.shape)} values, got ${data.length}.`);
    this.resolved.set(name, data);
  }

  /** New values of buffers computed by a training graph (BatchNorm running statistics), by buffer name. */
  readonly bufferUpdates = new Map<string, Value>();

  /** Records that one run of this graph moves `buffer` to `next` (output by training graphs, fed back). */
  updateBuffer(buffer: Value, next: Value): void {
    if (buffer.kind !== 'buffer') throw new InvalidArgumentError(`"${buffer.name}" is not a buffer.`);
    if (next.dtype !== buffer.dtype || next.shape.join() !== buffer.shape.join()) throw new InvalidArgumentError(`The update of "${buffer.name}" is ${next.toString()}, expected ${buffer.dtype}[${buffer.shape.join(', ')}].`);
    this.bufferUpdates.set(buffer.name, next);
  }

  get trainableParams(): Value[] {
    return [...this.params.values()].filter((e) => e.trainable).map((e) => e.value);
  }

  get buffers(): Value[] {
    return [...this.params.values()].filter((e) => !e.trainable).map((e) => e.value);
  }

  /** A constant tensor (an initializer whose data shape inference can read). */
  constant(data: TypedArray, dtype: DType, shape: readonly number[], base = 'const'): Value {
    checkStorage(dtype, data, 'constant');
    if (data.length !== numel(shape)) throw new InvalidArgumentError(`A constant of shape ${formatShape(shape)} needs ${numel(shape)} values, got ${data.length}.`);
    const v = new Value(this, this.uniqueName(base), dtype, [...shape], 'const', data);
    this.constants.set(v.name, v);
    return v;
  }

  /** An int64 1-D constant (shapes, axes, pads, starts...). */
  ints(values: readonly number[], base = 'ints'): Value {
    return this.constant(BigInt64Array.from(values, (x) => BigInt(x)), 'int64', [values.length], base);
  }

  /** A 0-d constant of `dtype` (float16 values are converted to half bits). */
  scalar(x: number, dtype: DType = 'float32'): Value {
    return this.constant(scalarData(x, dtype), dtype, [], 'scalar');
  }

  // ---- ops ----------------------------------------------------------------------------------------------

  /** Emits one node; returns its outputs with inferred (or given) types. */
  op(opType: string, inputs: readonly (Value | undefined)[], attrs: Readonly<Record<string, AttrInput>> = {}, opts: OpOptions = {}): Value[] {
    for (const v of inputs) {
      if (v && v.graph !== this) throw new InvalidArgumentError(`${opType}: input "${v.name}" belongs to graph "${v.graph.name}", not "${this.name}".`, 'Values cannot be shared between graphs; build the model again in this graph.');
    }
    const a: Record<string, Attr> = {};
    for (const [k, v] of Object.entries(attrs)) if (v !== undefined) a[k] = toAttr(k, v);
    const domain = opts.domain ?? '';
    const nodeName = this.uniqueName(opts.name ?? opType);
    let types = opts.outputTypes;
    if (!types) {
      try {
        types = inferOutputs(opType, domain, inputs, a, opts.outputs ?? 1);
      } catch (e) {
        if (e instanceof SatError) {
          const where = this.currentScope ? ` in ${this.currentScope}` : '';
          const ins = inputs.map((v) => (v ? v.toString() : '∅')).join(', ');
          throw new SatError(e.code, `${opType}${where} (${ins}): ${e.message}`, { hint: e.hint, details: e.details, cause: e });
        }
        throw e;
      }
    }
    const outputs = types.map((t, i) => {
      const name = types!.length === 1 ? nodeName : `${nodeName}:${i}`;
      if (i > 0 || types!.length > 1) this.names.add(name);
      return new Value(this, name, t.dtype, [...t.shape], 'node');
    });
    const node: Node = { index: this.nodes.length, opType, domain, name: nodeName, inputs: [...inputs], outputs, attrs: a };
    this.nodes.push(node);
    for (const o of outputs) this.producers.set(o.name, node);
    return outputs;
  }

  /** `op` for single-output ops. */
  op1(opType: string, inputs: readonly (Value | undefined)[], attrs: Readonly<Record<string, AttrInput>> = {}, opts: OpOptions = {}): Value {
    return this.op(opType, inputs, attrs, opts)[0];
  }

  producerOf(v: Value): Node | undefined {
    return this.producers.get(v.name);
  }

  /** Marks `value` as a graph output named `name` (an Identity is inserted when the names differ). */
  output(value: Value, name = value.name): Value {
    if (value.graph !== this) throw new InvalidArgumentError(`Output "${name}" comes from another graph.`);
    if (this.outputs.some((o) => o.name === name)) throw new InvalidArgumentError(`The graph "${this.name}" already has an output named "${name}".`);
    let v = value;
    if (name !== value.name || value.kind !== 'node' || this.outputs.some((o) => o.value === value)) {
      this.claim(name, 'output');
      const node: Node = { index: this.nodes.length, opType: 'Identity', domain: '', name, inputs: [value], outputs: [], attrs: {} };
      v = new Value(this, name, value.dtype, value.shape, 'node');
      (node.outputs as Value[]).push(v);
      this.nodes.push(node);
      this.producers.set(name, node);
    }
    this.outputs.push({ name, value: v });
    return v;
  }
}

function scalarData(x: number, dtype: DType): TypedArray {
  switch (dtype) {
    case 'float32': return Float32Array.of(x);
    case 'float64': return Float64Array.of(x);
    case 'float16': return Uint16Array.of(halfBits(x));
    case 'int64': return BigInt64Array.of(BigInt(Math.trunc(x)));
    case 'int32': return Int32Array.of(x);
    case 'int8': return Int8Array.of(x);
    case 'bool': case 'uint8': return Uint8Array.of(x);
  }
}
