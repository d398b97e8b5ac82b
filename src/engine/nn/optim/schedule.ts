// The learning-rate schedule of SatDiFuser (utils/lr_scheduler.py, WarmupCosineDecayScheduler; method.md §4.3):
// per epoch, linear from initLr (2e-5) to maxLr over warmupEpochs, then a cosine from maxLr to minLr reached at
// totalEpochs, constant after. Fractional epochs give a per-step variant of the same curve.
import { InvalidArgumentError } from '../../../shared/errors';

export interface WarmupCosine {
  warmupEpochs: number;
  totalEpochs: number;
  maxLr: number;
  minLr: number;
  initLr?: number;
}

/** The release's settings: Adam at 0.01, 5 warm-up epochs from 2e-5, cosine to 1e-5 at epoch 40. */
export const SATDIFUSER_SCHEDULE: WarmupCosine = { warmupEpochs: 5, totalEpochs: 40, maxLr: 0.01, minLr: 1e-5, initLr: 2e-5 };

export function warmupCosineLr(epoch: number, s: WarmupCosine = SATDIFUSER_SCHEDULE): number {
  if (!(s.totalEpochs > s.warmupEpochs) || s.warmupEpochs < 0) throw new InvalidArgumentError(`The schedule needs 0 ≤ warmup (${s.warmupEpochs}) < total epochs (${s.totalEpochs}).`);
  const init = s.initLr ?? 2e-5;
  const e = Math.min(Math.max(epoch, 0), s.totalEpochs);
  if (e < s.warmupEpochs) return init + (s.maxLr - init) * (e / s.warmupEpochs);
  const progress = (e - s.warmupEpochs) / (s.totalEpochs - s.warmupEpochs);
  return s.minLr + (s.maxLr - s.minLr) * 0.5 * (1 + Math.cos(Math.PI * progress));
}
