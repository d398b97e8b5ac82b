// Output types of an op from its inputs and attributes: the shape inference behind Graph.op.
import { InvalidArgumentError } from '../../../shared/errors';
import type { Attr } from '../attrs';
import type { Value } from '../graph';
import type { OutType, Rule } from './common';
import { elementwiseRules } from './elementwise';
import { layoutRules } from './layout';
import { linalgRules } from './linalg';

const RULES: Record<string, Rule> = { ...elementwiseRules, ...linalgRules, ...layoutRules };

export function knownOps(): string[] {
  return Object.keys(RULES).sort();
}

export function inferOutputs(opType: string, domain: string, inputs: readonly (Value | undefined)[], attrs: Readonly<Record<string, Attr>>, nOut: number): OutType[] {
  const rule = domain === '' ? RULES[opType] : undefined;
  if (!rule) {
    throw new InvalidArgumentError(`the graph builder cannot infer the output shape of ${domain ? domain + '::' : ''}${opType}.`,
      'Pass outputTypes for this op, or add a rule in src/engine/nn/infer/.');
  }
  const out = rule(inputs, attrs, nOut);
  return out.slice(0, Math.max(nOut, opType === 'Split' ? out.length : nOut));
}

export type { OutType } from './common';
