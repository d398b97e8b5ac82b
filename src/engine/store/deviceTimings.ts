// Seconds per unit of work measured on this machine, kept as an exponential moving average so the estimate
// follows the machine (another device, a driver update) without one slow run dominating it.
import type { SqliteDatabase } from './sqlite';

export class DeviceTimings {
  constructor(private readonly db: SqliteDatabase, private readonly now: () => number = Date.now) {}

  record(model: string, device: string, phase: string, seconds: number, samples = 1, alpha = 0.3): void {
    if (!(seconds >= 0) || !Number.isFinite(seconds) || samples <= 0) return;
    this.db.transaction(() => {
      const r = this.db.prepare('SELECT seconds, samples FROM device_timings WHERE model = ? AND device = ? AND phase = ?').get(model, device, phase) as { seconds: number; samples: number } | undefined;
      const next = r ? r.seconds * (1 - alpha) + seconds * alpha : seconds;
      this.db
        .prepare('INSERT OR REPLACE INTO device_timings(model, device, phase, seconds, samples, updated_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(model, device, phase, next, (r?.samples ?? 0) + samples, this.now());
    }).immediate();
  }

  /** Seconds per unit, or null when never measured here. */
  get(model: string, device: string, phase: string): number | null {
    const r = this.db.prepare('SELECT seconds FROM device_timings WHERE model = ? AND device = ? AND phase = ?').get(model, device, phase) as { seconds: number } | undefined;
    return r?.seconds ?? null;
  }
}
