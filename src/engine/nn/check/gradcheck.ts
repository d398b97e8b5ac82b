// Finite-difference gradient checks for anything built with the graph builder: the proof behind autodiff.
//
// The function under test maps inputs/parameters to an output Y; the check differentiates L = Σ Y·R (R fixed
// and random, so every output element matters) with autodiff and compares against central differences of L.
// L is evaluated in float64 in JS from the fetched Y, so a float32 graph loses no precision in the sum.
// Two measures: per tensor, the norm-wise relative error over sampled coordinates; globally, the directional
// derivative along a random direction over all checked tensors at once.
import { InvalidArgumentError } from '../../../shared/errors';
import { Session, Tensor } from '../../runtime';
import { gradients } from '../autodiff/grad';
import { type TypedArray, isFloat } from '../dtype';
import { Graph, type GraphOptions, type Value } from '../graph';
import * as op from '../ops';
import { Rng } from '../rng';
import { serializeModel } from '../serialize';
import { staticShape } from '../shape';

export interface GradCheckOptions {
  /** Builds the function under test and returns its output. */
  build: (g: Graph) => Value;
  /** Values for the graph inputs (parameters come from their initialisers). */
  feeds?: Record<string, Tensor>;
  /** Names of inputs/parameters to check (default: every trainable parameter and every float input). */
  wrt?: readonly string[];
  graph?: GraphOptions;
  /** Finite-difference step (default 1e-6 for float64 graphs, 1e-2 for float32). */
  eps?: number;
  /** 2-point (O(h²)) or 4-point (O(h⁴)) central differences (default 2 for float64, 4 for float32). */
  stencil?: 2 | 4;
  /** Coordinates checked per tensor (all when the tensor is smaller). */
  samples?: number;
  seed?: number;
}

export interface TensorCheck {
  name: string;
  checked: number;
  /** ‖fd − analytic‖ / max(‖fd‖, ‖analytic‖) over the checked coordinates. */
  relErr: number;
  maxAbsErr: number;
  norm: number;
}

export interface GradCheckResult {
  tensors: TensorCheck[];
  /** Relative error of the directional derivative along one random direction over all tensors. */
  directional: { fd: number; analytic: number; relErr: number };
  /** The worst relative error of all the above. */
  worst: number;
}

export async function checkGradients(o: GradCheckOptions): Promise<GradCheckResult> {
  const g = new Graph({ name: 'gradcheck', ...o.graph });
  const y = o.build(g);
  const yShape = staticShape(y.shape, 'gradcheck output');
  const rng = new Rng(o.seed ?? 1234);
  const n = yShape.reduce((a, b) => a * b, 1);
  const r64 = Float64Array.from({ length: n }, () => rng.normal());
  const r = y.dtype === 'float64' ? g.constant(r64, 'float64', yShape, 'R') : g.constant(Float32Array.from(r64), 'float32', yShape, 'R');
  const loss = op.sumAll(op.mul(y, r));
  const candidates: Value[] = [...g.inputs.filter((v) => isFloat(v.dtype)), ...g.trainableParams];
  const wrt = o.wrt ? o.wrt.map((name) => {
    const v = candidates.find((c) => c.name === name);
    if (!v) throw new InvalidArgumentError(`gradcheck: no float input or parameter named "${name}".`, `Candidates: ${candidates.map((c) => c.name).join(', ')}`);
    return v;
  }) : candidates;
  const grads = gradients(loss, wrt);
  g.output(y, 'gradcheck.y');
  for (const w of wrt) g.output(grads.get(w)!, `gradcheck.grad.${w.name}`);
  const session = await Session.create(serializeModel(g, { paramsAs: 'inputs' }), { providers: ['cpu'], label: 'the gradient-check graph' });
  try {
    const feeds: Record<string, Tensor> = { ...o.feeds };
    for (const [name, e] of g.params) feeds[name] = Tensor.of(e.value.dtype, g.paramData(name), staticShape(e.value.shape, name));
    const base = await session.run(feeds);
    const analytic = new Map(wrt.map((w) => [w.name, base[`gradcheck.grad.${w.name}`].toFloat64()]));

    const f64 = y.dtype === 'float64';
    const eps = o.eps ?? (f64 ? 1e-6 : 1e-2);
    const stencil = o.stencil ?? (f64 ? 2 : 4);
    const evalLoss = async (): Promise<number> => {
      const out = await session.run(feeds, { fetches: ['gradcheck.y'] });
      const yv = out['gradcheck.y'].data as Float32Array | Float64Array;
      let s = 0;
      for (let i = 0; i < n; i++) s += yv[i] * r64[i];
      return s;
    };
    const data = (name: string): TypedArray => {
      const t = feeds[name];
      if (!t) throw new InvalidArgumentError(`gradcheck: no value fed for "${name}".`, 'Pass it in feeds.');
      return t.data;
    };
    /** Central difference of L along a direction; `set(t)` puts the inputs at x₀ + t·dir exactly. */
    const central = async (set: (t: number) => void): Promise<number> => {
      const at = async (t: number) => {
        set(t);
        const v = await evalLoss();
        set(0);
        return v;
      };
      if (stencil === 2) return ((await at(eps)) - (await at(-eps))) / (2 * eps);
      const [p1, m1, p2, m2] = [await at(eps), await at(-eps), await at(2 * eps), await at(-2 * eps)];
      return (8 * (p1 - m1) - (p2 - m2)) / (12 * eps);
    };

    const tensors: TensorCheck[] = [];
    const samples = o.samples ?? 24;
    for (const w of wrt) {
      const x = data(w.name) as Float32Array | Float64Array;
      const an = analytic.get(w.name)!;
      const idx = pickCoordinates(an, samples, rng);
      let num = 0;
      let dfd = 0;
      let dan = 0;
      let maxAbs = 0;
      for (const i of idx) {
        const x0 = x[i];
        const fd = await central((t) => {
          x[i] = x0 + t;
        });
        const e = fd - an[i];
        num += e * e;
        dfd += fd * fd;
        dan += an[i] * an[i];
        maxAbs = Math.max(maxAbs, Math.abs(e));
      }
      const denom = Math.max(Math.sqrt(dfd), Math.sqrt(dan), 1e-12);
      tensors.push({ name: w.name, checked: idx.length, relErr: Math.sqrt(num) / denom, maxAbsErr: maxAbs, norm: Math.sqrt(dan) });
    }

    // Every coordinate moves by ~eps (a standard normal direction), as in the per-coordinate checks.
    const dirs = wrt.map((w) => Float64Array.from({ length: data(w.name).length }, () => rng.normal()));
    let dirAnalytic = 0;
    wrt.forEach((w, k) => {
      const an = analytic.get(w.name)!;
      for (let i = 0; i < an.length; i++) dirAnalytic += an[i] * dirs[k][i];
    });
    const originals = wrt.map((w) => (data(w.name) as Float32Array | Float64Array).slice());
    const dirFd = await central((t) => {
      wrt.forEach((w, k) => {
        const x = data(w.name) as Float32Array | Float64Array;
        const x0 = originals[k];
        const dir = dirs[k];
        for (let i = 0; i < x.length; i++) x[i] = x0[i] + t * dir[i];
      });
    });
    const directional = { fd: dirFd, analytic: dirAnalytic, relErr: Math.abs(dirFd - dirAnalytic) / Math.max(Math.abs(dirFd), Math.abs(dirAnalytic), 1e-12) };
    return { tensors, directional, worst: Math.max(directional.relErr, ...tensors.map((t) => t.relErr)) };
  } finally {
    await session.release();
  }
}

/** All coordinates of a small tensor; else the largest-gradient ones plus a random sample. */
function pickCoordinates(an: Float64Array, samples: number, rng: Rng): number[] {
  if (an.length <= samples) return Array.from({ length: an.length }, (_, i) => i);
  const byMag = Array.from({ length: an.length }, (_, i) => i).sort((a, b) => Math.abs(an[b]) - Math.abs(an[a]));
  const chosen = new Set(byMag.slice(0, Math.ceil(samples / 3)));
  while (chosen.size < samples) chosen.add(rng.int(an.length));
  return [...chosen];
}
