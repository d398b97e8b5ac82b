// The optimisation recipe of method.md §4.3 per head size. faithful = the release: Adam, lr per epoch linear from
// 2e-5 to 0.01 over 5 epochs then cosine to 1e-5 at epoch 40, validation every epoch (and before training),
// early stopping after 10 evaluations without improvement. light keeps the curve on a shorter clock (20 epochs,
// 2 warm-up, patience 5) so retraining on a laptop CPU takes seconds to minutes. The curve itself is the nn
// engine's warmupCosineLr.
import type { WarmupCosine } from '../../nn/optim/schedule';

export interface Recipe {
  readonly lr: WarmupCosine;
  /** Follow the curve per step (fractional epochs) instead of per epoch: for runs of a few epochs. */
  readonly perStep?: boolean;
  readonly patience: number;
  readonly batch: number;
  readonly weightDecay: number;
}

export const RECIPES: Readonly<Record<'faithful' | 'light', Recipe>> = {
  faithful: { lr: { warmupEpochs: 5, totalEpochs: 40, maxLr: 0.01, minLr: 1e-5, initLr: 2e-5 }, patience: 10, batch: 8, weightDecay: 0 },
  light: { lr: { warmupEpochs: 2, totalEpochs: 20, maxLr: 0.01, minLr: 1e-5, initLr: 2e-5 }, patience: 5, batch: 8, weightDecay: 0 },
};

/**
 * The recipe on a budget of `epochs`: the warm-up keeps its share of the run (5 of 40, 2 of 20), and runs shorter
 * than 8 epochs follow the curve per step, so a three-epoch run still warms up and decays smoothly.
 */
export function withEpochs(r: Recipe, epochs: number): Recipe {
  const share = r.lr.warmupEpochs / r.lr.totalEpochs;
  const perStep = epochs < 8;
  const warmupEpochs = perStep ? share * epochs : Math.max(1, Math.round(share * epochs));
  return { ...r, perStep, lr: { ...r.lr, totalEpochs: epochs, warmupEpochs: Math.min(warmupEpochs, epochs / 2) } };
}
