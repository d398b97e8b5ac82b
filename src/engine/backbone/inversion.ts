// SatDiFuser's feature extraction loop (archs/ldm_extractor.py, method.md §2.4/§10.2) over a UNet-with-taps
// session: start from the clean latent, call the UNet at t = −1, 1, 21, …, use its output as ε in the DDIM update
// (as the release does, although DiffusionSat predicts v), and keep s1…sN of the calls whose label is saved.
import { InvalidArgumentError, throwIfCancelled } from '../../shared/errors';
import { Tensor, type Session } from '../runtime';
import { type InversionStep, ddimStepInPlace } from './schedule';

export interface TapSet {
  readonly label: number;
  readonly t: number;
  /** s1…sN, each [B, C_k, h_k, w_k]. */
  readonly scales: { data: Float32Array; dims: number[] }[];
  /** The latent that call saw. */
  readonly latent: Float32Array;
}

export interface InversionOptions {
  readonly steps: readonly InversionStep[];
  readonly saveLabels: readonly number[];
  /** [1, S, D] (broadcast over the batch) or [B, S, D]; omitted when the graph has the prompt baked in. */
  readonly promptEmbedding?: { data: Float32Array; dims: readonly number[] };
  readonly signal?: AbortSignal;
  /** Called after each UNet call. */
  readonly onStep?: (done: number, total: number) => void;
}

export async function invertAndTap(session: Session, latent: Float32Array, dims: readonly number[], o: InversionOptions): Promise<TapSet[]> {
  const [batch] = dims;
  const x = latent.slice();
  const tapNames = session.outputs.map((io) => io.name).filter((n) => /^s\d+$/.test(n)).sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
  const needsContext = session.inputs.some((i) => i.name === 'encoder_hidden_states');
  let context: Tensor | undefined;
  if (needsContext) {
    const pe = o.promptEmbedding;
    if (!pe) throw new InvalidArgumentError('This UNet graph needs a prompt embedding (encoder_hidden_states).', 'Pass the prompt embedding (.npy, shape [1, 77, D]).');
    const [pb, s, d] = pe.dims;
    if (pe.dims.length !== 3 || (pb !== 1 && pb !== batch)) throw new InvalidArgumentError(`The prompt embedding has shape [${pe.dims.join(', ')}]; expected [1, S, D] or [${batch}, S, D].`);
    let data = pe.data;
    if (pb === 1 && batch > 1) {
      data = new Float32Array(batch * s * d);
      for (let i = 0; i < batch; i++) data.set(pe.data, i * s * d);
    }
    context = Tensor.of('float32', data, [batch, s, d]);
  }
  const saved: TapSet[] = [];
  const save = new Set(o.saveLabels);
  const last = o.steps.length - 1;
  for (const step of o.steps) {
    throwIfCancelled(o.signal, 'Feature extraction');
    const keep = save.has(step.label);
    const feeds: Record<string, Tensor> = {
      sample: Tensor.of('float32', x.slice(), dims),
      timestep: Tensor.of('float32', new Float32Array(batch).fill(step.t), [batch]),
    };
    if (context) feeds.encoder_hidden_states = context;
    const fetches = keep ? (step.index === last ? tapNames : ['out', ...tapNames]) : ['out'];
    const res = await session.run(feeds, { fetches, signal: o.signal });
    if (keep) {
      saved.push({
        label: step.label,
        t: step.t,
        latent: x.slice(),
        scales: tapNames.map((n) => ({ data: res[n].toFloat32(), dims: [...res[n].dims] })),
      });
    }
    if (step.index !== last) ddimStepInPlace(x, res.out.toFloat32(), step.alpha, step.alphaNext);
    o.onStep?.(step.index + 1, o.steps.length);
  }
  // Descending label order (47, 45, 40): the order the fusion modules index timesteps in.
  return saved.sort((a, b) => b.label - a.label);
}
