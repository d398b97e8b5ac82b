// The training loop: epochs over a batch source, a learning rate per step from a schedule, periodic validation
// with early stopping (patience counted in evaluations, as SatDiFuser does), progress events, cancellation via
// AbortSignal, and the best weights kept. Deterministic given the batch source's seed and the graph.
import { CancelledError, InvalidArgumentError } from '../../../shared/errors';
import type { TypedArray } from '../dtype';
import type { BatchSource } from './data';
import type { Trainer } from './trainer';

export type ProgressEvent =
  | { kind: 'step'; epoch: number; step: number; totalSteps: number; loss: number; lr: number; gradNorm?: number; ms: number }
  | { kind: 'eval'; epoch: number; step: number; metric: number; best: number; improved: boolean; patienceLeft: number }
  | { kind: 'epoch'; epoch: number; meanLoss: number };

export interface FitOptions {
  data: BatchSource;
  epochs: number;
  /** Learning rate at a (fractional) epoch, e.g. e => warmupCosineLr(Math.floor(e)). */
  lr: (epoch: number) => number;
  /** Held-out metric of the current weights. */
  validate?: () => Promise<number>;
  /** 'max' (accuracy, mIoU; default) or 'min' (a loss). */
  mode?: 'max' | 'min';
  /** Validate every N steps (default: once per epoch); also once before training. */
  evalEvery?: number;
  /** Stop after this many evaluations without improvement (default: never). */
  patience?: number;
  signal?: AbortSignal;
  onProgress?: (e: ProgressEvent) => void;
}

export interface FitResult {
  outcome: 'completed' | 'early-stopped';
  steps: number;
  epochs: number;
  losses: number[];
  bestMetric?: number;
  bestStep?: number;
  evaluations: { step: number; metric: number }[];
  /** Weights at the best evaluation (the trainer is left holding them too); undefined without validation. */
  best?: Map<string, TypedArray>;
}

export async function fit(trainer: Trainer, o: FitOptions): Promise<FitResult> {
  if (!(o.epochs >= 1)) throw new InvalidArgumentError(`Training needs at least one epoch, got ${o.epochs}.`);
  const better = (a: number, b: number) => ((o.mode ?? 'max') === 'max' ? a > b : a < b);
  const perEpoch = o.data.batchesPerEpoch;
  const total = perEpoch * o.epochs;
  const evalEvery = o.evalEvery ?? perEpoch;
  const losses: number[] = [];
  const evaluations: FitResult['evaluations'] = [];
  let best: Map<string, TypedArray> | undefined;
  let bestMetric: number | undefined;
  let bestStep: number | undefined;
  let stale = 0;

  const evaluate = async (epoch: number): Promise<boolean> => {
    if (!o.validate) return false;
    const metric = await o.validate();
    evaluations.push({ step: trainer.step, metric });
    const improved = bestMetric === undefined || better(metric, bestMetric);
    if (improved) {
      bestMetric = metric;
      bestStep = trainer.step;
      best = trainer.weights();
      stale = 0;
    } else stale++;
    const patienceLeft = o.patience === undefined ? Infinity : o.patience - stale;
    o.onProgress?.({ kind: 'eval', epoch, step: trainer.step, metric, best: bestMetric!, improved, patienceLeft });
    return o.patience !== undefined && stale >= o.patience;
  };

  const finish = (outcome: FitResult['outcome'], epochs: number): FitResult => {
    if (best) trainer.load(best);
    return { outcome, steps: losses.length, epochs, losses, bestMetric, bestStep, evaluations, best };
  };

  if (await evaluate(0)) return finish('early-stopped', 0);
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    let sum = 0;
    let i = 0;
    for (const batch of o.data.epoch(epoch)) {
      if (o.signal?.aborted) throw new CancelledError('Training');
      const lr = o.lr(epoch + i / perEpoch);
      const r = await trainer.trainStep(batch, lr, o.signal);
      losses.push(r.loss);
      sum += r.loss;
      i++;
      o.onProgress?.({ kind: 'step', epoch, step: trainer.step, totalSteps: total, loss: r.loss, lr, gradNorm: r.gradNorm, ms: r.runMs + r.overheadMs });
      if (o.validate && losses.length % evalEvery === 0 && (await evaluate(epoch))) return finish('early-stopped', epoch + 1);
    }
    o.onProgress?.({ kind: 'epoch', epoch, meanLoss: sum / Math.max(i, 1) });
  }
  return finish('completed', o.epochs);
}
