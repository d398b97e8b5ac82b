// Reverse-mode automatic differentiation over the builder: walks the graph's nodes backwards from a loss and
// emits the gradient computation as more ONNX nodes in the same graph (under the scope "grad"), one rule per op
// type (rules/). Only nodes on a path from the requested values to the loss are differentiated; integer and bool
// values carry no gradient, and `stopGradient` cuts a path on purpose.
import { InvalidArgumentError } from '../../../shared/errors';
import type { Graph, Node, Value } from '../graph';
import { isFloat } from '../dtype';
import * as op from '../ops';
import { GRAD_RULES, NO_GRAD_OPS } from './rules/index';
import { zerosLike } from './helpers';

export interface GradContext {
  g: Graph;
  node: Node;
  /** Gradient of each output (undefined: that output does not reach the loss, i.e. zero). */
  dy: readonly (Value | undefined)[];
  /** Which inputs need a gradient. */
  need: readonly boolean[];
}

export type GradRule = (ctx: GradContext) => (Value | undefined)[];

const STOPPED = new WeakMap<Graph, Set<string>>();

/** An identity whose output autodiff treats as a constant. */
export function stopGradient(x: Value): Value {
  const y = x.graph.op1('Identity', [x], {}, { name: 'StopGradient' });
  let s = STOPPED.get(x.graph);
  if (!s) STOPPED.set(x.graph, (s = new Set()));
  s.add(y.name);
  return y;
}

/**
 * Emits d(loss)/d(v) for every v in `wrt`. `loss` must have one element, unless `seed` (the gradient of the
 * loss, same shape) is given. Returns a map from each requested value to its gradient (a zeros tensor when the
 * loss does not depend on it).
 */
export function gradients(loss: Value, wrt: readonly Value[], seed?: Value): Map<Value, Value> {
  const g = loss.graph;
  const n = loss.shape.reduce<number>((a, d) => a * (typeof d === 'number' ? d : NaN), 1);
  if (!seed && n !== 1) throw new InvalidArgumentError(`The loss must be a single value to differentiate, got ${loss.toString()}.`, 'Reduce it (mean or sum), or pass the output gradient as seed.');
  if (!isFloat(loss.dtype)) throw new InvalidArgumentError(`Cannot differentiate the ${loss.dtype} value ${loss.name}.`);
  for (const w of wrt) if (!isFloat(w.dtype)) throw new InvalidArgumentError(`Cannot differentiate with respect to the ${w.dtype} value ${w.name}.`);
  const stopped = STOPPED.get(g) ?? new Set<string>();

  // Values that depend on wrt (forward pass over the node list, which is in topological order).
  const active = new Set<string>(wrt.map((w) => w.name));
  const lossNode = loss.producer;
  const last = lossNode ? lossNode.index : -1;
  for (let i = 0; i <= last; i++) {
    const node = g.nodes[i];
    if (stopped.has(node.outputs[0]?.name) || NO_GRAD_OPS.has(node.opType)) continue;
    if (node.inputs.some((v) => v && active.has(v.name))) for (const o of node.outputs) if (isFloat(o.dtype)) active.add(o.name);
  }

  const grads = new Map<string, Value[]>();
  const add = (v: Value, d: Value) => {
    const list = grads.get(v.name);
    if (list) list.push(d);
    else grads.set(v.name, [d]);
  };
  const total = (name: string): Value | undefined => {
    const list = grads.get(name);
    if (!list || list.length === 0) return undefined;
    if (list.length === 1) return list[0];
    const s = list.length === 2 ? op.add(list[0], list[1]) : g.op1('Sum', list);
    grads.set(name, [s]);
    return s;
  };

  return g.scope('grad', () => {
    add(loss, seed ?? g.op1('ConstantOfShape', [g.ints(loss.shape as number[])], { value: { kind: 'tensor', dtype: loss.dtype, dims: [1], data: loss.dtype === 'float64' ? Float64Array.of(1) : Float32Array.of(1) } }));
    for (let i = last; i >= 0; i--) {
      const node = g.nodes[i];
      if (!node.outputs.some((o) => active.has(o.name) && grads.has(o.name))) continue;
      const need = node.inputs.map((v) => !!v && active.has(v.name));
      if (!need.some(Boolean)) continue;
      const rule = GRAD_RULES[node.opType];
      if (!rule) {
        throw new InvalidArgumentError(`No gradient rule for ${node.opType} (node ${node.name}), which lies between the loss and ${wrt.map((w) => w.name).slice(0, 3).join(', ')}.`,
          'Use ops that have rules (src/engine/nn/autodiff/rules), or cut the path with stopGradient if no gradient should flow.');
      }
      const dy = node.outputs.map((o) => total(o.name));
      const dx = rule({ g, node, dy, need });
      node.inputs.forEach((v, k) => {
        const d = dx[k];
        if (v && need[k] && d) {
          if (d.dtype !== v.dtype) throw new Error(`internal: gradient of ${v.name} is ${d.dtype}, expected ${v.dtype} (rule ${node.opType})`);
          add(v, d);
        }
      });
    }
    const out = new Map<Value, Value>();
    for (const w of wrt) out.set(w, total(w.name) ?? zerosLike(w));
    return out;
  });
}

