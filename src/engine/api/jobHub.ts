// App-level jobs: each runs in the background, reports through the event bus and ends in exactly one typed
// outcome (succeeded / failed / cancelled). The pipeline's jobs plug in through `JobContext.report`.
import { randomUUID } from 'node:crypto';
import type { EngineJobKind, JobResult, JobSummary, LossPoint } from '../../shared/contract';
import { serializeError, SatError } from '../../shared/errors';
import type { JobEstimate, JobEvent, JobOutcome, JobProgress, JobWarning } from '../../shared/jobs';
import type { EventBus } from './events';

export interface JobContext {
  readonly jobId: string;
  readonly signal: AbortSignal;
  /** Forward an event of the pipeline's job framework. */
  report(event: JobEvent): void;
  progress(p: Omit<JobProgress, 'jobId' | 'kind'> & { kind?: JobProgress['kind'] }): void;
  loss(point: LossPoint): void;
  warn(warning: JobWarning): void;
  /** A status line (what the job is doing now). */
  log(message: string): void;
}

interface JobRecord {
  readonly jobId: string;
  readonly kind: EngineJobKind;
  readonly title: string;
  readonly startedAt: string;
  readonly controller: AbortController;
  progress: JobProgress | null;
  outcome: JobOutcome<JobResult> | null;
  warnings: JobWarning[];
  done: Promise<void>;
}

const progressKind = (kind: EngineJobKind): JobProgress['kind'] => (kind === 'compare' ? 'segment' : kind === 'cog' ? 'export' : kind);

export class JobHub {
  private readonly jobs = new Map<string, JobRecord>();

  constructor(private readonly events: EventBus, private readonly keepFinished = 50) {}

  start(kind: EngineJobKind, title: string, estimate: JobEstimate | null, run: (ctx: JobContext) => Promise<JobResult>): { jobId: string; kind: EngineJobKind } {
    const jobId = randomUUID();
    const controller = new AbortController();
    const started = performance.now();
    const record: JobRecord = {
      jobId, kind, title, startedAt: new Date().toISOString(), controller, progress: null, outcome: null, warnings: [], done: Promise.resolve(),
    };
    this.jobs.set(jobId, record);
    this.prune();
    const elapsed = () => (performance.now() - started) / 1000;
    const ctx: JobContext = {
      jobId,
      signal: controller.signal,
      report: (event) => {
        if (event.type === 'progress') ctx.progress(event.progress);
        else if (event.type === 'warning') ctx.warn(event.warning);
      },
      progress: (p) => {
        const progress: JobProgress = { ...p, jobId, kind: p.kind ?? progressKind(kind) };
        record.progress = progress;
        this.events.emit({ topic: 'job.progress', jobId, kind, progress });
      },
      loss: (point) => this.events.emit({ topic: 'job.loss', jobId, point }),
      log: (message) => this.events.emit({ topic: 'job.log', jobId, level: 'info', message }),
      warn: (warning) => {
        record.warnings.push(warning);
        this.events.emit({ topic: 'job.log', jobId, level: 'warning', message: warning.message });
      },
    };
    this.events.emit({ topic: 'job.started', jobId, kind, title, estimate });
    record.done = (async () => {
      let outcome: JobOutcome<JobResult>;
      try {
        // Yield once so the caller gets its ticket (and subscribes) before the first event of the work itself.
        await new Promise((r) => setImmediate(r));
        const result = await run(ctx);
        if (controller.signal.aborted) throw new SatError('CANCELLED', `${title} was cancelled.`);
        outcome = { status: 'succeeded', jobId, result, elapsedSeconds: elapsed(), warnings: record.warnings };
      } catch (e) {
        if (controller.signal.aborted || (e instanceof SatError && e.code === 'CANCELLED')) {
          const p = record.progress;
          outcome = { status: 'cancelled', jobId, done: p?.done ?? 0, total: p?.total ?? 0, resumable: false, elapsedSeconds: elapsed() };
        } else {
          outcome = { status: 'failed', jobId, reason: serializeError(e), elapsedSeconds: elapsed() };
        }
      }
      record.outcome = outcome;
      this.events.emit({ topic: 'job.finished', jobId, kind, outcome });
    })();
    return { jobId, kind };
  }

  cancel(jobId: string): boolean {
    const job = this.jobs.get(jobId);
    if (!job || job.outcome) return false;
    job.controller.abort();
    return true;
  }

  list(): JobSummary[] {
    return [...this.jobs.values()].map((j) => ({
      jobId: j.jobId, kind: j.kind, title: j.title, startedAt: j.startedAt, progress: j.progress, outcome: j.outcome,
    }));
  }

  /** Resolves when the job has emitted its outcome (tests, shutdown). */
  async settled(jobId: string): Promise<JobOutcome<JobResult> | null> {
    const job = this.jobs.get(jobId);
    if (!job) return null;
    await job.done;
    return job.outcome;
  }

  async cancelAll(): Promise<void> {
    for (const j of this.jobs.values()) if (!j.outcome) j.controller.abort();
    await Promise.all([...this.jobs.values()].map((j) => j.done));
  }

  private prune(): void {
    const finished = [...this.jobs.values()].filter((j) => j.outcome);
    for (const j of finished.slice(0, Math.max(0, finished.length - this.keepFinished))) this.jobs.delete(j.jobId);
  }
}
