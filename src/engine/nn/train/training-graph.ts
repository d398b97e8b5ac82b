// One ONNX graph per training step: forward + loss + backward (autodiff) + optimizer (Adam/AdamW) + buffer
// updates. Parameters, optimizer moments and buffers are graph inputs ("state") and their new values are outputs
// named `next.<input>`; the Trainer feeds each output back as the next step's input. Data inputs are whatever the
// model declared with graph.input(); the optimizer adds three scalar inputs (optim.*).
import { InvalidArgumentError } from '../../../shared/errors';
import { gradients } from '../autodiff/grad';
import { type DType, type TypedArray, allocTyped } from '../dtype';
import type { Graph, Value } from '../graph';
import { type AdamOptions, OPTIM_INPUTS, emitAdam, resolveAdam } from '../optim/adam';
import { serializeModel } from '../serialize';
import { type Shape, staticShape } from '../shape';

export const LOSS_OUTPUT = 'loss';
export const GRAD_NORM_OUTPUT = 'optim.grad_norm';
export const nextName = (input: string) => `next.${input}`;

export interface StateSlot {
  /** Graph input fed with the current value. */
  input: string;
  /** Graph output holding the value after this step (absent: the value never changes, e.g. a frozen weight). */
  output?: string;
  kind: 'param' | 'frozen' | 'buffer' | 'moment';
  dtype: DType;
  shape: number[];
  /** Initial value (moments start at zero). */
  init: TypedArray;
}

export interface DataInput {
  name: string;
  dtype: DType;
  shape: Shape;
}

export interface CompiledTraining {
  model: Uint8Array;
  state: StateSlot[];
  data: DataInput[];
  optimizer: ReturnType<typeof resolveAdam>;
  /** Extra outputs the caller asked for (predictions for metrics...). */
  outputs: string[];
  hasGradNorm: boolean;
}

export interface CompileOptions {
  optimizer?: AdamOptions;
  /** Parameters to train (default every trainable parameter); the others are fed but never updated. */
  params?: readonly Value[];
  /** Buffer updates beyond those recorded with graph.updateBuffer (buffer name → new value). */
  bufferUpdates?: ReadonlyMap<string, Value>;
  /** Additional outputs by name (e.g. logits for training metrics). */
  outputs?: Readonly<Record<string, Value>>;
  metadata?: Record<string, string>;
}

/** Appends backward + optimizer to `g` (which holds the forward pass and `loss`) and serializes the result. */
export function compileTraining(g: Graph, loss: Value, o: CompileOptions = {}): CompiledTraining {
  if (loss.graph !== g) throw new InvalidArgumentError('The loss belongs to another graph.');
  const params = o.params ?? g.trainableParams;
  if (params.length === 0) throw new InvalidArgumentError(`The graph "${g.name}" has no trainable parameters.`, 'Declare parameters with graph.param().');
  const dataInputs: DataInput[] = g.inputs.map((v) => ({ name: v.name, dtype: v.dtype, shape: v.shape }));
  const grads = gradients(loss, params);
  const opt = resolveAdam(o.optimizer);
  const { updates, gradNorm } = emitAdam(g, params, grads, opt);
  g.output(loss, LOSS_OUTPUT);
  if (gradNorm) g.output(gradNorm, GRAD_NORM_OUTPUT);
  const extra = Object.entries(o.outputs ?? {});
  for (const [name, v] of extra) g.output(v, name);

  const state: StateSlot[] = [];
  const updated = new Set(params.map((p) => p.name));
  for (const u of updates) {
    const shape = staticShape(u.param.shape, u.param.name);
    g.output(u.next, nextName(u.param.name));
    state.push({ input: u.param.name, output: nextName(u.param.name), kind: 'param', dtype: u.param.dtype, shape, init: g.paramData(u.param.name) });
    for (const [m, next] of [[u.m, u.mNext], [u.v, u.vNext]] as const) {
      g.output(next, nextName(m.name));
      const flat = staticShape(m.shape, m.name);
      state.push({ input: m.name, output: nextName(m.name), kind: 'moment', dtype: m.dtype, shape: flat, init: allocTyped(m.dtype, flat.reduce((a, b) => a * b, 1)) });
    }
  }
  const bufferUpdates = new Map([...g.bufferUpdates, ...(o.bufferUpdates ?? new Map())]);
  for (const [name, e] of g.params) {
    if (updated.has(name)) continue;
    const shape = staticShape(e.value.shape, name);
    const next = bufferUpdates.get(name);
    if (next) g.output(next, nextName(name));
    state.push({ input: name, output: next ? nextName(name) : undefined, kind: e.trainable ? 'frozen' : 'buffer', dtype: e.value.dtype, shape, init: g.paramData(name) });
  }
  const model = serializeModel(g, { paramsAs: 'inputs', metadata: { 'satdifuser.graph': 'training', 'satdifuser.optimizer': JSON.stringify(opt), ...o.metadata } });
  return { model, state, data: dataInputs, optimizer: opt, outputs: extra.map(([n]) => n), hasGradNorm: !!gradNorm };
}

export { OPTIM_INPUTS };
