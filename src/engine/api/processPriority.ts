// The engine computes (feature extraction, training, tiling) in the process that hosts it; the UI (Electron's
// renderer, or the browser in web mode) must stay responsive on a machine whose cores the engine saturates. So the
// engine's process runs below normal priority, as background work does in desktop GIS: the window never waits for
// a tile. SATDIFUSER_ENGINE_PRIORITY=normal keeps the inherited priority (e.g. a headless server with no UI).
import { constants, getPriority, setPriority } from 'node:os';

export interface PriorityOutcome {
  readonly lowered: boolean;
  /** The niceness (Unix) or priority class value (Windows) the process has afterwards. */
  readonly priority: number;
  readonly reason?: string;
}

export function lowerEnginePriority(env: NodeJS.ProcessEnv = process.env): PriorityOutcome {
  const current = getPriority(0);
  if ((env.SATDIFUSER_ENGINE_PRIORITY ?? '').toLowerCase() === 'normal') return { lowered: false, priority: current, reason: 'SATDIFUSER_ENGINE_PRIORITY=normal' };
  const target = constants.priority.PRIORITY_BELOW_NORMAL;
  // Never raise it: a user who started us under `nice -n 19` meant it.
  if (current >= target) return { lowered: false, priority: current, reason: 'already at or below "below normal"' };
  try {
    setPriority(0, target);
    return { lowered: true, priority: getPriority(0) };
  } catch (e) {
    return { lowered: false, priority: current, reason: (e as Error).message };
  }
}
