// Jobs as the renderer sees them: engine events fold into JobViews; finished segmentations and comparisons add
// their rasters as layers (mask with the class palette, probabilities, disagreement).
import type { EngineEvent, JobResult, ProjectLayer, SegmentOutput } from '../../shared/contract';
import { addLayer } from './actions';
import type { AppModel } from './appModel';
import { newLayerId, reloadLayers } from './layerOps';
import type { JobView } from './ui';

function update(model: AppModel, jobId: string, f: (j: JobView) => JobView): void {
  model.jobs.set((s) => (s[jobId] ? { ...s, [jobId]: f(s[jobId]!) } : s));
}

function segmentLayers(out: SegmentOutput, label: string): ProjectLayer[] {
  const layers: ProjectLayer[] = [{
    kind: 'mask', id: newLayerId(), name: `${label} — classes`, path: out.mask.info.path, resultId: out.resultId,
    classes: out.classes, visible: true, opacity: 0.7,
  }];
  if (out.probabilities) {
    const top = out.classes[1] ?? out.classes[0];
    if (top) layers.push({ kind: 'probability', id: newLayerId(), name: `${label} — P(${top.name})`, path: out.probabilities.info.path, classId: top.id, classes: out.classes, visible: false, opacity: 0.8 });
  }
  return layers;
}

function addResultLayers(model: AppModel, result: JobResult): void {
  const add = (out: SegmentOutput, label: string) => {
    model.results.set((s) => ({ segments: { ...s.segments, [out.resultId]: out } }));
    for (const layer of segmentLayers(out, label)) {
      const handle = layer.kind === 'mask' ? out.mask : out.probabilities!;
      model.setRuntime(layer.id, { status: 'ready', error: null, raster: handle, stats: null, vector: null });
      model.perform(addLayer, { layer });
    }
  };
  if (result.kind === 'segment') add(result.segment, `Segmentation (${result.segment.fusion.toUpperCase()})`);
  if (result.kind === 'compare') {
    result.compare.results.forEach((r) => add(r, `Compare ${r.fusion.toUpperCase()}`));
    const id = newLayerId();
    model.setRuntime(id, { status: 'ready', error: null, raster: result.compare.disagreement, stats: null, vector: null });
    model.perform(addLayer, { layer: { kind: 'disagreement', id, name: 'Disagreement', path: result.compare.disagreement.info.path, visible: true, opacity: 0.9 } });
  }
}

export function handleJobEvent(model: AppModel, e: EngineEvent): void {
  switch (e.topic) {
    case 'job.started':
      model.jobs.set((s) => ({ ...s, [e.jobId]: { jobId: e.jobId, kind: e.kind, title: e.title, estimate: e.estimate, progress: null, outcome: null, loss: [], log: [] } }));
      break;
    case 'job.progress':
      update(model, e.jobId, (j) => ({ ...j, progress: e.progress }));
      break;
    case 'job.loss':
      update(model, e.jobId, (j) => ({ ...j, loss: [...j.loss, e.point] }));
      break;
    case 'job.log':
      update(model, e.jobId, (j) => ({ ...j, log: [...j.log.slice(-49), e.message] }));
      break;
    case 'job.finished':
      update(model, e.jobId, (j) => ({ ...j, outcome: e.outcome }));
      if (e.outcome.status === 'succeeded') {
        addResultLayers(model, e.outcome.result);
        if (e.outcome.result.kind === 'train') void refreshModels(model);
      }
      break;
    case 'engine.restarted':
      model.notify(`The engine restarted: ${e.reason}`, 'error', 'Layers are being reopened.');
      void reloadLayers(model);
      break;
    case 'engine.provider':
      model.engine.set((s) => (s.info ? { ...s, info: { ...s.info, executionProvider: e.status } } : s));
      break;
  }
}

export async function refreshModels(model: AppModel): Promise<void> {
  try {
    const models = await model.client.call('models.list', {});
    model.engine.set((s) => ({ ...s, models }));
  } catch (e) {
    model.engine.set((s) => ({ ...s, error: e as Error }));
  }
}

export async function cancelJob(model: AppModel, jobId: string): Promise<void> {
  try {
    await model.client.call('jobs.cancel', { jobId });
  } catch (e) {
    model.reportError(e, 'Cancelling');
  }
}

/** The newest job of a kind that has not finished, for progress bars. */
export function runningJob(jobs: Readonly<Record<string, JobView>>, kinds?: readonly JobView['kind'][]): JobView | null {
  const list = Object.values(jobs).filter((j) => !j.outcome && (!kinds || kinds.includes(j.kind)));
  return list[list.length - 1] ?? null;
}
