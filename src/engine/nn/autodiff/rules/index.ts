// The gradient rules by op type, and the ops whose outputs never carry a gradient.
import type { GradRule } from '../grad';
import { elementwiseGrads } from './elementwise';
import { layoutGrads } from './layout';
import { linalgGrads } from './linalg';
import { reduceGrads } from './reduce';

export const GRAD_RULES: Readonly<Record<string, GradRule>> = { ...elementwiseGrads, ...linalgGrads, ...reduceGrads, ...layoutGrads };

/** Piecewise-constant or random ops: their outputs do not depend differentiably on their inputs. */
export const NO_GRAD_OPS: ReadonlySet<string> = new Set([
  'Shape', 'Size', 'Sign', 'Floor', 'Ceil', 'Round', 'Equal', 'Less', 'LessOrEqual', 'Greater', 'GreaterOrEqual', 'Not',
  'And', 'Or', 'Xor', 'ArgMax', 'ArgMin', 'IsNaN', 'IsInf', 'RandomUniformLike', 'RandomNormalLike', 'Bernoulli',
  'ConstantOfShape', 'EyeLike', 'OneHot',
]);
