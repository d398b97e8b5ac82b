// Progress events with a rate measured over the recent past (units resumed from the journal do not count
// as speed) and an ETA from it; at most one event per `minIntervalMs`, always the last one.
import type { JobKind, JobProgress } from '../../shared/jobs';

export class ProgressMeter {
  private readonly start: number;
  private readonly samples: { t: number; done: number }[] = [];
  private lastEmit = -Infinity;
  private cacheHits = 0;

  constructor(
    private readonly jobId: string,
    private readonly kind: JobKind,
    private readonly total: number,
    private readonly resumed: number,
    private readonly emit: (p: JobProgress) => void,
    private readonly now: () => number = () => performance.now(),
    private readonly minIntervalMs = 200,
    private readonly unit = 'tiles',
  ) {
    this.start = now();
    this.samples.push({ t: this.start, done: resumed });
  }

  hit(n = 1): void {
    this.cacheHits += n;
  }

  update(done: number, phase: JobProgress['phase'] = 'tiles', message?: string, force = false): JobProgress {
    const t = this.now();
    this.samples.push({ t, done });
    // Rate over the last 30 s of samples (or all of them): responsive to a change of speed, not jumpy.
    while (this.samples.length > 2 && t - this.samples[1].t > 30_000) this.samples.shift();
    const first = this.samples[0];
    const dt = (t - first.t) / 1000;
    const rate = dt > 0 && done > first.done ? (done - first.done) / dt : 0;
    const p: JobProgress = {
      jobId: this.jobId,
      kind: this.kind,
      phase,
      done,
      total: this.total,
      unit: this.unit,
      rate,
      etaSeconds: rate > 0 ? (this.total - done) / rate : done >= this.total ? 0 : null,
      elapsedSeconds: (t - this.start) / 1000,
      cacheHits: this.cacheHits,
      ...(message ? { message } : {}),
    };
    if (force || done >= this.total || t - this.lastEmit >= this.minIntervalMs) {
      this.lastEmit = t;
      this.emit(p);
    }
    return p;
  }

  get resumedUnits(): number {
    return this.resumed;
  }
}
