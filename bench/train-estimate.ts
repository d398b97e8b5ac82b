// How good is the training estimate the app shows before Train? On the sample scene (pixels backbone, GW, the
// e2e journeys' labels, 2 epochs), in one engine with a fresh store: train a light head, then ask for the faithful
// head's estimate (its step time is then 'scaled' from the light run's cost per byte of a training step), train
// the faithful head, and compare; memory: the estimate's upper bound against the engine process's RSS growth
// during each run. Ratios are estimate ÷ measured (1 = exact; the memory figure is meant to be ≥ 1).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine } from '../src/engine/api/engine';
import type { TrainRequest } from '../src/shared/contract';
import { forestSeaLabels } from '../test/helpers/forestSeaLabels';

const engine = createEngine({ host: 'test', dataDir: join(mkdtempSync(join(tmpdir(), 'sdf-bench-est-')), 'data') });
const h = await engine['raster.open']({ path: join(process.cwd(), 'resources', 'sample', 'L7_ETMs.tif') });
const labels = forestSeaLabels;
const classes = [0, 1, 2].map((id) => ({ id, name: `class ${id}`, color: [id * 80, 100, 50] as [number, number, number] }));
const request = (size: 'light' | 'faithful'): TrainRequest => ({ rasterId: h.rasterId, name: size, backboneId: 'pixels', fusion: 'gw', size, classes, labels, holdoutFraction: 0.3, maxEpochs: 2, seed: 7, tileSize: 256, overlap: 32 });

async function train(req: TrainRequest): Promise<{ seconds: number; rssGrowth: number }> {
  (globalThis as { gc?: () => void }).gc?.();
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 5);
  const t0 = performance.now();
  const { jobId } = await engine['train.start'](req);
  const outcome = await engine.jobs.settled(jobId);
  clearInterval(timer);
  if (outcome?.status !== 'succeeded') throw new Error(`training failed: ${JSON.stringify(outcome)}`);
  return { seconds: (performance.now() - t0) / 1000, rssGrowth: peak - base };
}

const mib = (b: number) => (b / 2 ** 20).toFixed(0);
const lightEst = await engine['train.estimate'](request('light'));
const light = await train(request('light'));
const lightAfter = await engine['train.estimate'](request('light'));
const faithfulEst = await engine['train.estimate'](request('faithful'));
const faithful = await train(request('faithful'));
const faithfulAfter = await engine['train.estimate'](request('faithful'));
console.log(`light: steps=${lightAfter.maxSteps} measured ${lightAfter.stepSeconds!.toFixed(3)} s/step; memory bound ${mib(lightEst.memory.totalBytes)} MiB, RSS growth ${mib(light.rssGrowth)} MiB; run ${light.seconds.toFixed(1)} s`);
console.log(`faithful: before its first run ${faithfulEst.timingSource} ${faithfulEst.stepSeconds!.toFixed(3)} s/step, then measured ${faithfulAfter.stepSeconds!.toFixed(3)} s/step; memory bound ${mib(faithfulEst.memory.totalBytes)} MiB, RSS growth ${mib(faithful.rssGrowth)} MiB; run ${faithful.seconds.toFixed(1)} s`);
await engine.dispose();
console.log(`train-estimate: scaled_step_ratio=${(faithfulEst.stepSeconds! / faithfulAfter.stepSeconds!).toFixed(2)} light_memory_ratio=${(lightEst.memory.totalBytes / light.rssGrowth).toFixed(2)} faithful_memory_ratio=${(faithfulEst.memory.totalBytes / faithful.rssGrowth).toFixed(2)} light_step_s=${lightAfter.stepSeconds!.toFixed(3)} faithful_step_s=${faithfulAfter.stepSeconds!.toFixed(3)}`);
