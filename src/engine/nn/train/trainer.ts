// Runs a compiled training graph step by step. The state (parameters, moments, buffers) lives in runtime Tensors:
// each step's `next.*` outputs become the next step's inputs as they are, never copied through JS arrays. With
// `reuseBuffers`, two state sets alternate and ORT writes the new state into the idle set (preallocated outputs),
// so no state-sized allocation happens per step.
import { InvalidArgumentError, SatError, throwIfCancelled } from '../../../shared/errors';
import { Session, type SessionOptions, Tensor } from '../../runtime';
import type { TypedArray } from '../dtype';
import { OPTIM_INPUTS, adamScalars } from '../optim/adam';
import { type CompiledTraining, GRAD_NORM_OUTPUT, LOSS_OUTPUT, type StateSlot } from './training-graph';

export interface TrainerOptions {
  session?: SessionOptions;
  /** Initial values by state input name (e.g. from a checkpoint); others start from the compiled init. */
  initial?: ReadonlyMap<string, TypedArray>;
  /** Preallocate a second state set and let ORT write into it (see bench/train-step.ts for the effect). */
  reuseBuffers?: boolean;
  /** Steps already taken (resuming: bias correction continues from here). */
  step?: number;
}

export interface StepResult {
  loss: number;
  gradNorm?: number;
  outputs: Record<string, Tensor>;
  /** Wall time of the ORT run and of the feeding/swapping around it, in ms. */
  runMs: number;
  overheadMs: number;
}

export class Trainer {
  private state = new Map<string, Tensor>();
  private spare?: Map<string, Tensor>;
  private steps: number;
  private readonly fetches: string[];

  private constructor(
    readonly compiled: CompiledTraining,
    readonly session: Session,
    opts: TrainerOptions,
  ) {
    this.steps = opts.step ?? 0;
    for (const s of compiled.state) {
      const given = opts.initial?.get(s.input);
      const data = given ?? s.init;
      if (data.length !== s.init.length) {
        throw new SatError('MODEL_MISMATCH', `Initial value of "${s.input}" has ${data.length} values, the model needs ${s.init.length} ([${s.shape.join(', ')}]).`, {
          hint: 'The checkpoint was saved for a different head configuration.',
        });
      }
      // Copy: the trainer owns its state and must not write into the caller's (or the graph's) arrays.
      this.state.set(s.input, Tensor.of(s.dtype, data.slice() as TypedArray, s.shape));
    }
    if (opts.reuseBuffers) {
      this.spare = new Map();
      for (const s of compiled.state) if (s.output) this.spare.set(s.input, Tensor.zeros(s.dtype, s.shape));
    }
    this.fetches = [LOSS_OUTPUT, ...(compiled.hasGradNorm ? [GRAD_NORM_OUTPUT] : []), ...compiled.outputs, ...compiled.state.filter((s) => s.output).map((s) => s.output!)];
  }

  static async create(compiled: CompiledTraining, opts: TrainerOptions = {}): Promise<Trainer> {
    const session = await Session.create(compiled.model, { label: 'the training graph', ...opts.session });
    return new Trainer(compiled, session, opts);
  }

  /** Steps taken so far. */
  get step(): number {
    return this.steps;
  }

  /** One optimizer step on `batch` (the data inputs) at learning rate `lr`. */
  async trainStep(batch: Readonly<Record<string, Tensor>>, lr: number, signal?: AbortSignal): Promise<StepResult> {
    throwIfCancelled(signal, 'Training');
    if (!(lr >= 0) || !Number.isFinite(lr)) throw new InvalidArgumentError(`The learning rate must be a finite number ≥ 0, got ${lr}.`);
    const t0 = performance.now();
    const dtype = this.compiled.state[0].dtype === 'float64' ? 'float64' : 'float32';
    const sc = adamScalars(lr, this.steps + 1, this.compiled.optimizer);
    const feeds: Record<string, Tensor> = { ...batch };
    for (const [k, v] of this.state) feeds[k] = v;
    feeds[OPTIM_INPUTS.lr] = Tensor.scalar(sc.lr, dtype);
    feeds[OPTIM_INPUTS.stepSize] = Tensor.scalar(sc.stepSize, dtype);
    feeds[OPTIM_INPUTS.invBc2Sqrt] = Tensor.scalar(sc.invBc2Sqrt, dtype);
    let into: Record<string, Tensor> | undefined;
    if (this.spare) {
      into = {};
      for (const s of this.compiled.state) if (s.output) into[s.output] = this.spare.get(s.input)!;
    }
    const t1 = performance.now();
    const out = await this.session.run(feeds, { fetches: this.fetches, into, signal });
    const t2 = performance.now();
    const loss = out[LOSS_OUTPUT].item();
    if (!Number.isFinite(loss)) {
      throw new SatError('INTERNAL', `Training diverged at step ${this.steps + 1}: the loss is ${loss}.`, {
        hint: 'Lower the learning rate, enable gradient clipping, or check the labels and features for invalid values.',
        details: { step: this.steps + 1, lr },
      });
    }
    const nextSpare = this.spare ? new Map<string, Tensor>() : undefined;
    for (const s of this.compiled.state) {
      if (!s.output) continue;
      if (nextSpare) nextSpare.set(s.input, this.state.get(s.input)!);
      this.state.set(s.input, out[s.output]);
    }
    if (nextSpare) this.spare = nextSpare;
    this.steps++;
    const t3 = performance.now();
    return { loss, gradNorm: this.compiled.hasGradNorm ? out[GRAD_NORM_OUTPUT].item() : undefined, outputs: out, runMs: t2 - t1, overheadMs: t1 - t0 + (t3 - t2) };
  }

  /** The current value of a state input (a parameter, moment or buffer); a view, not a copy. */
  value(name: string): Tensor {
    const t = this.state.get(name);
    if (!t) throw new InvalidArgumentError(`The training graph has no state "${name}".`);
    return t;
  }

  /** The slots of one kind ('param' | 'buffer' | 'moment' | 'frozen'). */
  slots(kind?: StateSlot['kind']): StateSlot[] {
    return this.compiled.state.filter((s) => !kind || s.kind === kind);
  }

  /** Copies of the model weights (trainable, frozen and buffers), e.g. to build an inference graph or save. */
  weights(): Map<string, TypedArray> {
    const m = new Map<string, TypedArray>();
    for (const s of this.compiled.state) if (s.kind !== 'moment') m.set(s.input, this.value(s.input).data.slice() as TypedArray);
    return m;
  }

  /** Copies of the whole state (weights and optimizer moments), for resumable checkpoints. */
  fullState(): Map<string, TypedArray> {
    const m = new Map<string, TypedArray>();
    for (const s of this.compiled.state) m.set(s.input, this.value(s.input).data.slice() as TypedArray);
    return m;
  }

  /** Replaces state values (restoring the best weights after early stopping, loading a checkpoint). */
  load(values: ReadonlyMap<string, TypedArray>): void {
    for (const [name, data] of values) {
      const s = this.compiled.state.find((x) => x.input === name);
      if (!s) continue;
      if (data.length !== s.init.length) throw new SatError('MODEL_MISMATCH', `"${name}" has ${data.length} values, the model needs ${s.init.length}.`);
      this.state.set(name, Tensor.of(s.dtype, data.slice() as TypedArray, s.shape));
    }
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
