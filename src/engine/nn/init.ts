// Parameter initialisers with PyTorch's formulas, for use as `ParamInit`. fan_in/fan_out follow
// torch.nn.init._calculate_fan_in_and_fan_out: dims 0 and 1 are out/in channels, the rest is the receptive field.
import type { TypedArray } from './dtype';
import type { Rng } from './rng';

export type InitFn = (shape: readonly number[], rng: Rng) => TypedArray;

function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length < 2) return { fanIn: shape[0] ?? 1, fanOut: shape[0] ?? 1 };
  const rf = shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[1] * rf, fanOut: shape[0] * rf };
}

const numel = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

export const zeros: InitFn = (shape) => new Float32Array(numel(shape));

export const ones: InitFn = (shape) => new Float32Array(numel(shape)).fill(1);

export const constantInit = (x: number): InitFn => (shape) => new Float32Array(numel(shape)).fill(x);

/** detectron2 c2_msra_fill: kaiming_normal_(mode='fan_out', nonlinearity='relu'). */
export const heNormalFanOut: InitFn = (shape, rng) => {
  const std = Math.sqrt(2 / fans(shape).fanOut);
  return Float32Array.from({ length: numel(shape) }, () => rng.normal() * std);
};

/** kaiming_normal_(mode='fan_in', nonlinearity='relu'). */
export const heNormal: InitFn = (shape, rng) => {
  const std = Math.sqrt(2 / fans(shape).fanIn);
  return Float32Array.from({ length: numel(shape) }, () => rng.normal() * std);
};

/** PyTorch's default Conv/Linear weight init: kaiming_uniform_(a=√5), i.e. U(−1/√fan_in, 1/√fan_in). */
export const torchDefaultWeight: InitFn = (shape, rng) => uniformInit(1 / Math.sqrt(fans(shape).fanIn))(shape, rng);

/** PyTorch's default Conv/Linear bias init for a layer with `fanIn` inputs. */
export const torchDefaultBias = (fanIn: number): InitFn => uniformInit(1 / Math.sqrt(fanIn));

export const uniformInit = (bound: number): InitFn => (shape, rng) =>
  Float32Array.from({ length: numel(shape) }, () => (rng.uniform() * 2 - 1) * bound);

export const normalInit = (std: number, mean = 0): InitFn => (shape, rng) =>
  Float32Array.from({ length: numel(shape) }, () => mean + rng.normal() * std);

/** Casts an initialiser's output to float64 (for gradient-check graphs). */
export const asFloat64 = (init: InitFn): InitFn => (shape, rng) => {
  const d = init(shape, rng);
  return Float64Array.from(d as ArrayLike<number>);
};
