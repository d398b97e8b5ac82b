// Building analysis requests from the project and starting them. The engine validates and runs; these helpers
// only gather what the user chose.
import type { AnalysisSettings, Aoi, CompareRequest, HeadSummary, JobEstimate, LabelSet, SegmentRequest, TrainEstimate, TrainRequest } from '../../shared/contract';
import type { AppModel } from './appModel';
import type { ProjectContent } from './project';

export function rasterLayers(content: ProjectContent) {
  return content.layers.filter((l) => l.kind === 'raster');
}

export function rasterIdOf(model: AppModel, layerId: string | null): string | null {
  return layerId ? model.runtime.get()[layerId]?.raster?.rasterId ?? null : null;
}

/** The segmentation heads that fit the chosen backbone (any, for the default) and fusion. */
export function segmentationHeadsFor(analysis: AnalysisSettings, heads: readonly HeadSummary[]): HeadSummary[] {
  return heads.filter((h) => h.task === 'segmentation' && (!analysis.backboneId || h.backboneId === analysis.backboneId) && h.fusion === analysis.fusion);
}

/** The head a segmentation uses: the one the user chose, else the head shipped with the backbone for this
 *  backbone and fusion (so the first run needs no training and no choice), else none. */
export function effectiveHeadId(analysis: AnalysisSettings, heads: readonly HeadSummary[]): string | null {
  if (analysis.headId) return analysis.headId;
  const shipped = segmentationHeadsFor(analysis, heads).filter((h) => h.id.startsWith('default:'));
  return shipped.length === 1 ? shipped[0].id : null;
}

export function segmentRequest(model: AppModel, layerId: string, probabilities = true): SegmentRequest {
  const { content } = model.project.get();
  const rasterId = rasterIdOf(model, layerId);
  if (!rasterId) throw new Error('The raster layer is not open in the engine (see the Layers panel).');
  const a = content.analysis;
  return {
    rasterId, aoi: content.aoi, backboneId: a.backboneId ?? '', headId: effectiveHeadId(a, model.engine.get().models?.heads ?? []) ?? '',
    tileSize: a.tileSize, overlap: a.overlap, bands: null, probabilities,
  };
}

export function labelSet(content: ProjectContent): LabelSet {
  return { crs: content.crs ?? 'EPSG:3857', features: content.labels };
}

export interface TrainOptions {
  readonly name: string;
  readonly size: TrainRequest['size'];
  readonly holdoutFraction: number;
  readonly maxEpochs: number;
}

export function trainRequest(model: AppModel, layerId: string, o: TrainOptions): TrainRequest {
  const { content } = model.project.get();
  const rasterId = rasterIdOf(model, layerId);
  if (!rasterId) throw new Error('The raster layer is not open in the engine (see the Layers panel).');
  // Every class goes with its name and colour (a head predicts ids 0..max, named from this list).
  return {
    rasterId, name: o.name, backboneId: content.analysis.backboneId ?? '', fusion: content.analysis.fusion, size: o.size,
    classes: content.classes, labels: labelSet(content), holdoutFraction: o.holdoutFraction,
    maxEpochs: o.maxEpochs, seed: 42, tileSize: content.analysis.tileSize, overlap: content.analysis.overlap,
  };
}

export function compareRequest(model: AppModel, layerId: string, headIds: readonly string[], useHoldout: boolean): CompareRequest {
  const { content } = model.project.get();
  const rasterId = rasterIdOf(model, layerId);
  if (!rasterId) throw new Error('The raster layer is not open in the engine (see the Layers panel).');
  return {
    rasterId, aoi: content.aoi, headIds, holdout: useHoldout && content.labels.length ? labelSet(content) : null,
    tileSize: content.analysis.tileSize, overlap: content.analysis.overlap,
  };
}

/** Planar area of an AOI in square metres, for a CRS in metres (null otherwise). */
export function aoiAreaM2(aoi: Aoi | null, metresPerUnit: number | null): number | null {
  if (!aoi || metresPerUnit === null) return null;
  const ringArea = (r: readonly (readonly [number, number])[]) => {
    let a = 0;
    for (let i = 0, j = r.length - 1; i < r.length; j = i++) a += (r[j]![0] - r[i]![0]) * (r[j]![1] + r[i]![1]);
    return Math.abs(a / 2);
  };
  const polys = aoi.geometry.type === 'Polygon' ? [aoi.geometry.coordinates] : aoi.geometry.coordinates;
  let total = 0;
  for (const p of polys) p.forEach((ring, i) => (total += (i === 0 ? 1 : -1) * ringArea(ring)));
  return total * metresPerUnit * metresPerUnit;
}

export function describeEstimate(e: JobEstimate): string[] {
  const lines = [`${e.tiles} tile${e.tiles === 1 ? '' : 's'} (${e.cachedTiles} cached, ${e.resumedTiles} already done)`];
  if (e.areaKm2 !== null) lines.push(`${e.areaKm2.toFixed(2)} km², ${e.pixels.toLocaleString('en-US')} pixels`);
  lines.push(e.expectedSeconds !== null ? `about ${e.expectedSeconds < 90 ? `${Math.ceil(e.expectedSeconds)} s` : `${Math.round(e.expectedSeconds / 60)} min`} on ${e.device} (${e.timingSource})` : `time unknown on ${e.device} until a first run is measured`);
  return lines;
}

const duration = (s: number) => (s < 90 ? `${Math.ceil(s)} s` : s < 5400 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`);
const bytes = (b: number) => (b < 2 ** 30 ? `${Math.max(1, Math.round(b / 2 ** 20))} MiB` : `${(b / 2 ** 30).toFixed(1)} GiB`);

export function describeTrainEstimate(e: TrainEstimate): string[] {
  const lines = [
    `${e.tiles} labelled tile${e.tiles === 1 ? '' : 's'} → ${e.samples} training sample${e.samples === 1 ? '' : 's'}${e.crop ? ` of ${e.crop} px` : ''}, batch ${e.batch}`,
    `at most ${e.maxSteps.toLocaleString('en-US')} steps (${e.stepsPerEpoch} × ${e.maxEpochs} epochs; early stopping usually ends sooner)`,
    `${e.parameters.toLocaleString('en-US')} head parameters; up to ${bytes(e.memory.totalBytes)} of memory (Adam state ${bytes(e.memory.optimizerBytes)}, features ${bytes(e.memory.featureBytes)}, one batch ${bytes(e.memory.batchBytes)}, training step ${bytes(e.memory.activationBytes)})`,
  ];
  lines.push(e.expectedSeconds !== null
    ? `up to ${duration(e.expectedSeconds)} (${e.stepSeconds !== null ? `${e.stepSeconds < 1 ? `${Math.round(e.stepSeconds * 1000)} ms` : `${e.stepSeconds.toFixed(1)} s`} per step, ${e.timingSource}` : e.timingSource}${e.extractSeconds !== null ? ` + ${duration(e.extractSeconds)} feature extraction` : ''})`
    : 'time unknown until a first training run is measured on this machine');
  return lines;
}
