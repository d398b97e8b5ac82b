// Training a head from the project's labels: the labels go to the heads engine as a polygon file, features come
// from the feature cache or the backbone, the loss streams to the UI step by step, and the trained head lands in
// the head store with its holdout metrics.
import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import type { TrainRequest, TrainResult } from '../../shared/contract';
import { InvalidArgumentError } from '../../shared/errors';
import { hex } from './colors';
import type { ClassDef } from '../heads/dataset/manifest';
import { trainFromDataset } from '../heads/train/run';
import type { LazyStore } from './engineStore';
import { type HeadStore, headSummary, headMetrics } from './headStore';
import type { JobContext } from './jobHub';
import { writeLabelsGeoJson } from './labelsFile';
import type { RasterInfo } from '../../shared/raster';
import { headCost, planFor, recordTrainingStep, stepTimingKey } from './trainEstimate';

export function checkTrainRequest(r: TrainRequest): void {
  const withLabels = new Set(r.labels.features.map((f) => f.classId));
  if (withLabels.size < 2) {
    throw new InvalidArgumentError(`Training needs labelled polygons in at least two classes; there are labels in ${withLabels.size}.`, 'Draw polygons for at least two classes in the Labels panel.');
  }
  for (const id of withLabels) if (!r.classes.some((c) => c.id === id)) throw new InvalidArgumentError(`A label uses class ${id}, which is not in the class list.`);
  if (!(r.holdoutFraction >= 0.05 && r.holdoutFraction <= 0.5)) throw new InvalidArgumentError(`The holdout fraction must be between 0.05 and 0.5, got ${r.holdoutFraction}.`);
  if (!Number.isInteger(r.maxEpochs) || r.maxEpochs < 1 || r.maxEpochs > 1000) throw new InvalidArgumentError(`Epochs must be a whole number from 1 to 1000, got ${r.maxEpochs}.`);
}

export async function runTraining(r: TrainRequest, info: RasterInfo, ctx: JobContext, deps: { store: LazyStore; heads: HeadStore; dataDir: string }): Promise<TrainResult> {
  const rasterPath = info.path;
  const work = join(deps.dataDir, 'work', ctx.jobId);
  const labelsPath = join(work, 'labels.geojson');
  await writeLabelsGeoJson(labelsPath, r.labels);
  const classes: ClassDef[] = r.classes.map((c) => ({ id: c.id, name: c.name, color: hex(c.color) }));
  const { id, folder } = deps.heads.newFolder();
  const started = performance.now();
  let lastStep = 0;
  let lastLoss = NaN;
  let lastLr = 0;
  try {
    const card = await trainFromDataset({
      task: 'seg', fusion: r.fusion, size: r.size, backbone: r.backboneId || 'default',
      dataset: { task: 'seg', samples: [{ raster: rasterPath, labels: labelsPath }], classes, source: 'SatDiFuser Studio project labels' },
      out: folder, name: r.name, tileSize: r.tileSize, epochs: r.maxEpochs, seed: r.seed, holdoutFraction: r.holdoutFraction,
      classField: 'class_id', cache: deps.store.get().cache, signal: ctx.signal,
      onStatus: (message) => ctx.log(message),
      onTiles: (done, total, message) => ctx.progress({ phase: 'preparing', done, total, unit: 'tiles', rate: 0, etaSeconds: null, elapsedSeconds: (performance.now() - started) / 1000, cacheHits: 0, message }),
      onStep: (e) => {
        lastStep = e.step;
        lastLoss = e.loss;
        lastLr = e.lr;
        const elapsed = (performance.now() - started) / 1000;
        ctx.loss({ epoch: e.epoch, step: e.step, trainLoss: e.loss, holdoutLoss: null, learningRate: e.lr });
        const rate = elapsed > 0 ? e.step / elapsed : 0;
        ctx.progress({ phase: 'tiles', done: e.step, total: e.totalSteps, unit: 'steps', rate, etaSeconds: rate > 0 ? (e.totalSteps - e.step) / rate : null, elapsedSeconds: elapsed, cacheHits: 0 });
      },
      onEval: (e) => {
        ctx.log(`epoch ${e.epoch}: holdout score ${(e.metric * 100).toFixed(1)} % (best ${(e.best * 100).toFixed(1)} %)`);
        if (e.holdoutLoss !== undefined && Number.isFinite(e.holdoutLoss)) {
          ctx.loss({ epoch: e.epoch, step: e.step, trainLoss: Number.isFinite(lastLoss) ? lastLoss : null, holdoutLoss: e.holdoutLoss, learningRate: lastLr });
        }
      },
    });
    recordStepCost(r, info, card, deps.store);
    const metrics = headMetrics(card);
    if (!metrics) throw new InvalidArgumentError('The head trained but has no holdout metrics (no holdout pixels).', 'Draw more label polygons so some can be held out.');
    return { head: headSummary(id, card), metrics, epochs: card.training?.epochs ?? lastStep };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The per-step cost of this run, for the estimates of the next ones (train.estimate). */
function recordStepCost(r: TrainRequest, info: RasterInfo, card: Awaited<ReturnType<typeof trainFromDataset>>, store: LazyStore): void {
  const t = card.training;
  if (!t || !(t.steps > 0) || !(t.elapsedSeconds > 0)) return;
  try {
    const plan = planFor(r, info, card.spec.layout);
    const { activationBytes } = headCost(r, card.spec.layout, plan.crop, t.batchSize);
    recordTrainingStep(store.get().timings, stepTimingKey(card.backbone.id, r.fusion, r.size, plan.crop, t.batchSize), t.elapsedSeconds / t.steps, t.steps, activationBytes);
  } catch {
    // A timing that cannot be recorded only makes the next estimate less precise.
  }
}
