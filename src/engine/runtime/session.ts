// An onnxruntime session with the checks and reports the engine needs: provider fallback tried one by one and
// reported, inputs checked against the model before ORT sees them (naming what is missing or mis-shaped),
// outputs wrapped as engine Tensors, optional preallocated outputs, release that is safe to call twice.
//
// Note: onnxruntime-node runs a model synchronously on the JS thread (its async run only defers the call), so a
// long run cannot be interrupted; cancellation is checked before each run. Long jobs belong in a worker/utility
// process for that reason.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { CancelledError, InvalidArgumentError, SatError, throwIfCancelled } from '../../shared/errors';
import type { DType } from '../nn/dtype';
import { type ProviderName, type ProviderReport, defaultProviders, providerFromOrtName, providerUnavailable } from './providers';
import { Tensor, ortTensor } from './tensor';

export interface IoInfo {
  name: string;
  dtype: DType;
  /** Numbers are fixed sizes, strings are symbolic dims. */
  shape: (number | string)[];
}

export interface SessionOptions {
  /** Providers in order of preference (default: CUDA/DirectML where the build has them, then CPU). */
  providers?: readonly ProviderName[];
  /** Threads inside one op (default: ORT's choice, one per physical core). */
  intraOpThreads?: number;
  interOpThreads?: number;
  optimization?: 'disabled' | 'basic' | 'extended' | 'layout' | 'all';
  memoryPattern?: boolean;
  cpuArena?: boolean;
  executionMode?: 'sequential' | 'parallel';
  /** Writes the graph as ORT optimised it (to inspect fusions and layouts). */
  optimizedModelPath?: string;
  /** Fixes symbolic dims (e.g. { batch: 8 }) so ORT can plan memory statically. */
  freeDimensions?: Record<string, number>;
  /** Name used in error messages ("the segmentation head"). */
  label?: string;
  /** 0 verbose … 4 fatal (default 3: errors only). */
  logLevel?: 0 | 1 | 2 | 3 | 4;
  /** Extra ORT session config entries (session.* keys). */
  config?: Record<string, string>;
  /** Record per-node kernel times (onnxruntime profiling); read them with Session.profile(). */
  profile?: boolean;
}

/** Kernel time of one node in a profiled run. */
export interface NodeTiming {
  node: string;
  op: string;
  provider: string;
  ms: number;
}

export interface RunOptions {
  /** Output names to compute (default: all). */
  fetches?: readonly string[];
  /**
   * Preallocated outputs: ORT writes these outputs into the given tensors' buffers, and the result holds these
   * same Tensor objects. Saves the per-run output allocation (measured in bench/train-step.ts).
   */
  into?: Readonly<Record<string, Tensor>>;
  signal?: AbortSignal;
}

const ORT_DTYPES = new Set<string>(['float32', 'float16', 'float64', 'int64', 'int32', 'bool', 'uint8', 'int8']);

function toIoInfo(m: ort.InferenceSession.ValueMetadata): IoInfo {
  if (!m.isTensor) return { name: m.name, dtype: 'float32', shape: [] };
  const t = m.type as string;
  return { name: m.name, dtype: (ORT_DTYPES.has(t) ? t : 'float32') as DType, shape: [...m.shape] };
}

function ortOptions(o: SessionOptions, provider: ProviderName, profilePrefix?: string): ort.InferenceSession.SessionOptions {
  // onnxruntime-node rejects keys that are present but undefined.
  const all: Record<string, unknown> = {
    executionProviders: [provider],
    intraOpNumThreads: o.intraOpThreads,
    interOpNumThreads: o.interOpThreads,
    graphOptimizationLevel: o.optimization ?? 'all',
    enableMemPattern: o.memoryPattern ?? true,
    enableCpuMemArena: o.cpuArena ?? true,
    executionMode: o.executionMode ?? 'sequential',
    optimizedModelFilePath: o.optimizedModelPath,
    freeDimensionOverrides: o.freeDimensions,
    logSeverityLevel: o.logLevel ?? 3,
    enableProfiling: profilePrefix !== undefined,
    profileFilePrefix: profilePrefix,
    extra: o.config ? { session: Object.fromEntries(Object.entries(o.config).map(([k, v]) => [k.replace(/^session\./, ''), v])) } : undefined,
  };
  return Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined)) as ort.InferenceSession.SessionOptions;
}

export class Session {
  private released = false;
  private profileDir?: string;

  private constructor(
    private readonly ortSession: ort.InferenceSession,
    readonly inputs: readonly IoInfo[],
    readonly outputs: readonly IoInfo[],
    readonly provider: ProviderReport,
    readonly label: string,
    private readonly model: Uint8Array | string,
    private readonly options: SessionOptions,
  ) {}

  /**
   * Creates a session from ONNX bytes or a model path (a path is needed for models with external data).
   * Providers are tried in order; each failure is recorded in `provider.attempts`.
   */
  static async create(model: Uint8Array | string, options: SessionOptions = {}): Promise<Session> {
    const requested = options.providers ?? defaultProviders();
    const label = options.label ?? (typeof model === 'string' ? `model "${model}"` : 'the model');
    const attempts: ProviderReport['attempts'] = [];
    let lastError: unknown;
    const profileDir = options.profile ? mkdtempSync(join(tmpdir(), 'satdifuser-profile-')) : undefined;
    for (const p of requested) {
      const unavailable = providerUnavailable(p);
      if (unavailable) {
        attempts.push({ provider: p, ok: false, reason: unavailable });
        continue;
      }
      try {
        const prefix = profileDir ? join(profileDir, 'run') : undefined;
        const s = await (typeof model === 'string'
          ? ort.InferenceSession.create(model, ortOptions(options, p, prefix))
          : ort.InferenceSession.create(model, ortOptions(options, p, prefix)));
        attempts.push({ provider: p, ok: true });
        const report: ProviderReport = { requested, active: p, attempts };
        const session = new Session(s, s.inputMetadata.map(toIoInfo), s.outputMetadata.map(toIoInfo), report, label, model, options);
        session.profileDir = profileDir;
        return session;
      } catch (e) {
        lastError = e;
        attempts.push({ provider: p, ok: false, reason: String((e as Error).message ?? e).split('\n')[0].slice(0, 300) });
      }
    }
    const tried = attempts.map((a) => `${a.provider}: ${a.reason}`).join('; ');
    const invalid = String((lastError as Error | undefined)?.message ?? '').match(/INVALID_GRAPH|INVALID_PROTOBUF|Load model|type inference|ShapeInferenceError|NOT_IMPLEMENTED/i);
    throw new SatError(invalid ? 'MODEL_MISMATCH' : 'INTERNAL', `onnxruntime could not create a session for ${label} (${tried || 'no provider requested'}).`, {
      hint: invalid ? 'The model file is malformed or uses an operator this onnxruntime does not support; rebuild or re-export it.' : 'Check the provider list; "cpu" always works.',
      details: { attempts },
      cause: lastError,
    });
  }

  /** Checks feeds against the model's inputs: every input present, no unknown names, dtypes and dims right. */
  checkFeeds(feeds: Readonly<Record<string, Tensor>>): void {
    const given = new Set(Object.keys(feeds));
    const missing = this.inputs.filter((i) => !given.has(i.name));
    if (missing.length > 0) {
      const list = missing.map((m) => `"${m.name}" (${m.dtype} [${m.shape.join(', ')}])`).join(', ');
      throw new SatError('MISSING_INPUT', `${this.label} needs input${missing.length > 1 ? 's' : ''} ${list}, which ${missing.length > 1 ? 'were' : 'was'} not given.`, {
        hint: `Inputs of ${this.label}: ${this.inputs.map((i) => i.name).join(', ')}.`,
        details: { missing: missing.map((m) => m.name) },
      });
    }
    const known = new Set(this.inputs.map((i) => i.name));
    const extra = [...given].filter((n) => !known.has(n));
    if (extra.length > 0) throw new InvalidArgumentError(`${this.label} has no input${extra.length > 1 ? 's' : ''} named ${extra.map((e) => `"${e}"`).join(', ')}.`, `Its inputs are: ${this.inputs.map((i) => i.name).join(', ')}.`);
    const symbols = new Map<string, { size: number; input: string }>();
    for (const info of this.inputs) {
      const t = feeds[info.name];
      if (!(t instanceof Tensor)) throw new InvalidArgumentError(`Input "${info.name}" of ${this.label} is not a Tensor.`, 'Wrap data with Tensor.of(dtype, data, dims).');
      const want = `${info.dtype} [${info.shape.join(', ')}]`;
      if (t.dtype !== info.dtype) throw new InvalidArgumentError(`Input "${info.name}" of ${this.label} must be ${want}, got ${t.dtype} [${t.dims.join(', ')}].`, `Convert the data to ${info.dtype}.`);
      if (t.dims.length !== info.shape.length) throw new InvalidArgumentError(`Input "${info.name}" of ${this.label} must have rank ${info.shape.length} (${want}), got [${t.dims.join(', ')}].`);
      info.shape.forEach((d, i) => {
        const got = t.dims[i];
        if (typeof d === 'number' && d >= 0 && got !== d) {
          throw new InvalidArgumentError(`Input "${info.name}" of ${this.label} must be ${want}; dim ${i} is ${got}.`, 'The model was built for fixed sizes; resize or tile the data, or rebuild the model for this size.');
        }
        if (typeof d === 'string' && d !== '') {
          const seen = symbols.get(d);
          if (seen && seen.size !== got) throw new InvalidArgumentError(`Inputs "${seen.input}" and "${info.name}" of ${this.label} disagree on "${d}" (${seen.size} vs ${got}).`);
          symbols.set(d, { size: got, input: info.name });
        }
      });
    }
  }

  /** Runs the model. Throws MISSING_INPUT/INVALID_ARGUMENT before ORT sees bad feeds, CANCELLED when aborted. */
  async run(feeds: Readonly<Record<string, Tensor>>, opts: RunOptions = {}): Promise<Record<string, Tensor>> {
    if (this.released) throw new InvalidArgumentError(`${this.label} was released and cannot run.`, 'Create a new session.');
    throwIfCancelled(opts.signal, `Running ${this.label}`);
    this.checkFeeds(feeds);
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [k, t] of Object.entries(feeds)) ortFeeds[k] = ortTensor(t);
    const names = opts.fetches ?? this.outputs.map((o) => o.name);
    const outNames = new Set(this.outputs.map((o) => o.name));
    for (const n of [...names, ...Object.keys(opts.into ?? {})]) {
      if (!outNames.has(n)) throw new InvalidArgumentError(`${this.label} has no output named "${n}".`, `Its outputs are: ${[...outNames].join(', ')}.`);
    }
    const fetches: Record<string, ort.Tensor | null> = {};
    for (const n of names) fetches[n] = null;
    for (const [n, t] of Object.entries(opts.into ?? {})) fetches[n] = ortTensor(t);
    let res: ort.InferenceSession.ReturnType;
    try {
      res = await this.ortSession.run(ortFeeds, fetches);
    } catch (e) {
      if (opts.signal?.aborted) throw new CancelledError(`Running ${this.label}`);
      throw new SatError('INTERNAL', `onnxruntime failed while running ${this.label}: ${String((e as Error).message ?? e).split('\n')[0]}`, { cause: e });
    }
    const out: Record<string, Tensor> = {};
    for (const [n, v] of Object.entries(res)) out[n] = opts.into?.[n] ?? Tensor.fromOrt(v as ort.Tensor);
    return out;
  }

  /**
   * Runs once with profiling on a twin session and counts nodes per execution provider, so a partial fallback
   * (a GPU provider leaving unsupported nodes on CPU) shows in `provider.placement`.
   */
  async verifyPlacement(feeds: Readonly<Record<string, Tensor>>): Promise<Record<string, number>> {
    const dir = mkdtempSync(join(tmpdir(), 'satdifuser-profile-'));
    try {
      const s = await ort.InferenceSession.create(this.model as never, ortOptions(this.options, this.provider.active, join(dir, 'p')));
      const ortFeeds: Record<string, ort.Tensor> = {};
      this.checkFeeds(feeds);
      for (const [k, t] of Object.entries(feeds)) ortFeeds[k] = ortTensor(t);
      await s.run(ortFeeds);
      s.endProfiling();
      await s.release();
      const file = readdirSync(dir).find((f) => f.endsWith('.json'));
      const counts: Record<string, number> = {};
      if (file) {
        const events = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { cat?: string; name?: string; args?: { provider?: string } }[];
        const seen = new Set<string>();
        for (const ev of events) {
          if (ev.cat !== 'Node' || !ev.args?.provider || !ev.name?.endsWith('_kernel_time')) continue;
          if (seen.has(ev.name)) continue;
          seen.add(ev.name);
          const p = providerFromOrtName(ev.args.provider);
          counts[p] = (counts[p] ?? 0) + 1;
        }
      }
      this.provider.placement = counts;
      return counts;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /**
   * Ends profiling (the session must have been created with `profile: true`) and returns the kernel time of every
   * node in every run since creation, in run order. Profiling cannot be restarted on the same session.
   */
  profile(): NodeTiming[] {
    if (!this.profileDir) throw new InvalidArgumentError(`${this.label} was not created with profiling on.`, 'Create the session with { profile: true }.');
    this.ortSession.endProfiling();
    const dir = this.profileDir;
    this.profileDir = undefined;
    try {
      const file = readdirSync(dir).find((f) => f.endsWith('.json'));
      if (!file) return [];
      const events = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { cat?: string; name?: string; dur?: number; args?: { provider?: string; op_name?: string } }[];
      return events
        .filter((e) => e.cat === 'Node' && e.name?.endsWith('_kernel_time'))
        .map((e) => ({ node: e.name!.slice(0, -'_kernel_time'.length), op: e.args?.op_name ?? '', provider: providerFromOrtName(e.args?.provider ?? ''), ms: (e.dur ?? 0) / 1000 }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** Frees the native session; later runs throw. Safe to call more than once. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.ortSession.release();
    if (this.profileDir) rmSync(this.profileDir, { recursive: true, force: true });
  }

  get isReleased(): boolean {
    return this.released;
  }
}
