// Finished units of a job reach its journal in batches: at most every `intervalMs` (and always for the last
// unit, and when the job stops early), each batch in one transaction with the job state after its last
// unit. A segmentation's state is the blend band (~1 MB for 256² tiles): journalled after every row of
// tiles, writing it (and checkpointing the WAL it filled) cost a cached run more than all its blending. A
// process killed outright redoes at most the units of one interval; a cancelled or failed job loses none,
// because the state is kept as it was after each unit still waiting (`flush`).
import type { JobJournal, UnitState } from '../store/jobJournal';

export class UnitBatcher {
  private units: { unit: number; payload: Uint8Array | null }[] = [];
  private stateAfterLast: readonly UnitState[] | null = null;
  private lastCommit: number;

  constructor(
    private readonly journal: Pick<JobJournal, 'finishUnits'>,
    private readonly jobId: string,
    private readonly intervalMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.lastCommit = now();
  }

  /** A unit is finished; `state` is the job state as it is now (a copy the job will not change). */
  finish(unit: number, payload: Uint8Array | null, state: readonly UnitState[], last = false): void {
    this.units.push({ unit, payload });
    this.stateAfterLast = state;
    if (last || this.now() - this.lastCommit >= this.intervalMs) this.flush();
  }

  /** Journals the finished units still waiting (none: nothing is written). */
  flush(): void {
    if (this.units.length === 0 || !this.stateAfterLast) return;
    this.journal.finishUnits(this.jobId, this.units, this.stateAfterLast);
    this.units = [];
    this.stateAfterLast = null;
    this.lastCommit = this.now();
  }

  get waiting(): number {
    return this.units.length;
  }
}
