// Every job ends in exactly one typed outcome, emitted as the last event and returned: succeeded with its
// result, failed with a serialized reason a user can act on, or cancelled with how far it got. Nothing a
// job throws escapes as an exception.
import { serializeError, SatError } from '../../shared/errors';
import type { JobEvent, JobOutcome, JobWarning } from '../../shared/jobs';
import type { JobJournal } from '../store/jobJournal';

export interface JobHooks<R> {
  readonly signal?: AbortSignal;
  readonly onEvent?: (e: JobEvent<R>) => void;
}

export interface JobControl<R> {
  readonly jobId: string;
  readonly signal?: AbortSignal;
  emit(e: JobEvent<R>): void;
  warn(w: JobWarning): void;
  readonly warnings: JobWarning[];
  /** Units finished so far (for the cancelled outcome). */
  progress: { done: number; total: number };
}

export async function runJob<R>(
  jobId: string,
  journal: JobJournal | null,
  hooks: JobHooks<R>,
  body: (ctl: JobControl<R>) => Promise<R>,
  now: () => number = () => performance.now(),
): Promise<JobOutcome<R>> {
  const t0 = now();
  const warnings: JobWarning[] = [];
  const emit = (e: JobEvent<R>) => {
    try {
      hooks.onEvent?.(e);
    } catch {
      // a listener's bug must not fail the job
    }
  };
  const ctl: JobControl<R> = {
    jobId,
    signal: hooks.signal,
    emit,
    warn(w) {
      warnings.push(w);
      emit({ type: 'warning', jobId, warning: w });
    },
    warnings,
    progress: { done: 0, total: 0 },
  };
  let outcome: JobOutcome<R>;
  try {
    const result = await body(ctl);
    outcome = { status: 'succeeded', jobId, result, elapsedSeconds: (now() - t0) / 1000, warnings };
  } catch (e) {
    const elapsedSeconds = (now() - t0) / 1000;
    const cancelled = (e instanceof SatError && e.code === 'CANCELLED') || (hooks.signal?.aborted ?? false);
    outcome = cancelled
      ? { status: 'cancelled', jobId, done: ctl.progress.done, total: ctl.progress.total, resumable: journal !== null && ctl.progress.done > 0, elapsedSeconds }
      : { status: 'failed', jobId, reason: serializeError(e), elapsedSeconds };
  }
  try {
    journal?.setStatus(jobId, outcome.status, outcome.status === 'succeeded' ? { status: 'succeeded', elapsedSeconds: outcome.elapsedSeconds } : outcome);
  } catch {
    // The journal is best effort here: the outcome itself must still reach the caller.
  }
  emit({ type: 'outcome', outcome });
  return outcome;
}
