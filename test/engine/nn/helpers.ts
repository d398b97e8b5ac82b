// Shared by the nn tests: seeded random tensors and a gradient-check assertion.
import { expect } from 'vitest';
import { type GradCheckOptions, type GradCheckResult, checkGradients } from '../../../src/engine/nn/check/gradcheck';
import { Rng } from '../../../src/engine/nn/rng';
import { Tensor } from '../../../src/engine/runtime';

export function randn(dims: number[], seed: number, o: { scale?: number; awayFromZero?: number; positive?: boolean } = {}): Float64Array {
  const rng = new Rng(seed);
  const n = dims.reduce((a, b) => a * b, 1);
  return Float64Array.from({ length: n }, () => {
    let v = rng.normal() * (o.scale ?? 1);
    if (o.awayFromZero) v = Math.sign(v || 1) * (Math.abs(v) + o.awayFromZero);
    return o.positive ? Math.abs(v) + 0.1 : v;
  });
}

export const f64 = (dims: number[], seed: number, o?: Parameters<typeof randn>[2]) => Tensor.of('float64', randn(dims, seed, o), dims);
export const f32 = (dims: number[], seed: number, o?: Parameters<typeof randn>[2]) => Tensor.of('float32', Float32Array.from(randn(dims, seed, o)), dims);

/** Runs a finite-difference check and asserts every error is within `tol` (1e-3 unless stated). */
export async function expectGradOk(o: GradCheckOptions & { allowZero?: RegExp }, tol = 1e-3): Promise<GradCheckResult> {
  const r = await checkGradients(o);
  const detail = [...r.tensors.map((t) => `${t.name}: rel ${t.relErr.toExponential(2)} (${t.checked} coords, |g| ${t.norm.toExponential(2)})`), `directional: ${r.directional.fd} vs ${r.directional.analytic} rel ${r.directional.relErr.toExponential(2)}`].join('\n');
  expect(r.worst, detail).toBeLessThanOrEqual(tol);
  for (const t of r.tensors) if (!o.allowZero?.test(t.name)) expect(t.norm, `${t.name} has an all-zero gradient: the check would be vacuous`).toBeGreaterThan(0);
  return r;
}
