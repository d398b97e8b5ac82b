// Segmentation, training, comparison, export and head management over the engine modules. Each method checks
// its request, then runs the work as a job (progress events, cancel, typed outcome). Parts that have not landed
// would answer NOT_IMPLEMENTED naming what is missing (none today).
import type { CompareRequest, EngineContract, ExecutionProviderStatus, ExportRequest, SegmentRequest, TrainRequest } from '../../shared/contract';
import { InvalidArgumentError } from '../../shared/errors';
import type { LazyStore } from './engineStore';
import type { HeadStore } from './headStore';
import type { JobHub } from './jobHub';
import { listBackbones } from './models';
import type { RasterRegistry } from './rasters';
import { estimateSegment, runSegment } from './segmentJob';
import { checkCompareRequest, runCompare } from './compareJob';
import { exportPath, previewExport, runExport } from './exportJob';
import { loadResult } from './results';
import { checkTrainRequest, runTraining } from './trainJob';
import { estimateTraining } from './trainEstimate';
import { crsForRaster } from './crsRef';
import { listModels } from '../backbone/modelStore';

type AnalysisMethods = Pick<EngineContract,
  'models.list' | 'heads.export' | 'heads.import' | 'heads.delete' | 'segment.estimate' | 'segment.start' |
  'train.estimate' | 'train.start' | 'compare.start' | 'export.preview' | 'export.start'>;

export interface AnalysisDeps {
  readonly rasters: RasterRegistry;
  readonly jobs: JobHub;
  readonly heads: HeadStore;
  readonly store: LazyStore;
  readonly dataDir: string;
  readonly onProvider: (s: ExecutionProviderStatus) => void;
}

function checkTiling(r: { tileSize: number; overlap: number }): void {
  if (!Number.isInteger(r.tileSize) || r.tileSize < 64 || r.tileSize > 2048 || r.tileSize % 32 !== 0) throw new InvalidArgumentError(`Tile size must be a multiple of 32 pixels between 64 and 2048, got ${r.tileSize}.`);
  if (!Number.isInteger(r.overlap) || r.overlap < 0 || r.overlap * 2 >= r.tileSize) throw new InvalidArgumentError(`Overlap must be between 0 and half the tile size (${r.tileSize / 2 - 1}), got ${r.overlap}.`);
}

/** An empty backbone choice means the shipped default; say what to do when there is none. */
function backboneChoice(id: string): string {
  if (id) return id;
  if (!listModels().some((m) => m.source === 'shipped')) {
    throw new InvalidArgumentError('No default backbone model is installed with this copy of the app.', 'Choose "Pixels only (baseline)" as the backbone, or import a DiffusionSat model with `satdifuser models import-diffusionsat <folder>`.');
  }
  return 'default';
}

export function analysisMethods(d: AnalysisDeps): AnalysisMethods {
  const segDeps = { rasters: d.rasters, heads: d.heads, store: d.store, dataDir: d.dataDir, onProvider: d.onProvider };
  const checkSegment = (r: SegmentRequest) => {
    d.rasters.get(r.rasterId);
    if (!r.headId) throw new InvalidArgumentError('Choose a head to segment with.', 'Train one in the Training panel, or import one there.');
    d.heads.folder(r.headId);
    if (r.aoi) crsForRaster(r.aoi.crs, d.rasters.get(r.rasterId).source.info);
    if (!Number.isInteger(r.overlap) || r.overlap < 0) throw new InvalidArgumentError(`Overlap must be a whole number of pixels ≥ 0, got ${r.overlap}.`);
  };
  const checkTrain = (r: TrainRequest) => {
    const { info } = d.rasters.get(r.rasterId).source;
    checkTiling(r);
    checkTrainRequest(r);
    crsForRaster(r.labels.crs, info);
    return { ...r, backboneId: backboneChoice(r.backboneId) };
  };
  return {
    'models.list': async () => ({ backbones: listBackbones(), heads: d.heads.list() }),
    'heads.export': async ({ headId, path }) => ({ path: await d.heads.exportTo(headId, path) }),
    'heads.import': async ({ path }) => d.heads.import(path),
    'heads.delete': async ({ headId }) => ({ deleted: d.heads.delete(headId) }),
    'segment.estimate': async (r) => {
      checkSegment(r);
      return estimateSegment(r, segDeps);
    },
    'segment.start': async (r) => {
      checkSegment(r);
      const name = d.rasters.get(r.rasterId).handle.name;
      return d.jobs.start('segment', `Segmenting ${name}`, null, async (ctx) => ({ kind: 'segment', segment: await runSegment(r, ctx, segDeps) }));
    },
    'train.estimate': async (raw) => {
      const r = checkTrain(raw);
      return estimateTraining(r, d.rasters.get(r.rasterId).source.info, d.store.get().timings);
    },
    'train.start': async (raw) => {
      const r = checkTrain(raw);
      const { info } = d.rasters.get(r.rasterId).source;
      return d.jobs.start('train', `Training "${r.name}"`, null, async (ctx) => ({ kind: 'train', train: await runTraining(r, info, ctx, d) }));
    },
    'compare.start': async (r: CompareRequest) => {
      const { info } = d.rasters.get(r.rasterId).source;
      checkCompareRequest(r);
      if (r.aoi) crsForRaster(r.aoi.crs, info);
      if (r.holdout) crsForRaster(r.holdout.crs, info);
      for (const id of r.headIds) d.heads.folder(id);
      return d.jobs.start('compare', `Comparing ${r.headIds.length} heads`, null, async (ctx) => ({ kind: 'compare', compare: await runCompare(r, ctx, segDeps) }));
    },
    'export.preview': async (r) => previewExport(d.dataDir, r),
    'export.start': async (r: ExportRequest) => {
      if (!r.path) throw new InvalidArgumentError('Choose where to save the export.');
      exportPath(r.format, r.path);
      loadResult(d.dataDir, r.resultId);
      return d.jobs.start('export', `Exporting to ${r.path.split(/[\\/]/).pop()}`, null, async (ctx) => ({ kind: 'export', export: await runExport(d.dataDir, r, ctx) }));
    },
  };
}
