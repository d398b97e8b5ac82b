// Segmentation, training, comparison, export and head management. Each method checks its request, then runs
// the engine part that does the work; parts that have not landed answer NOT_IMPLEMENTED naming what is missing
// (before validating the request, since no request could succeed). The prerequisite checks below are used as
// soon as the parts land.
import type { EngineContract, SegmentRequest, TrainRequest, CompareRequest, ExportRequest } from '../../shared/contract';
import { InvalidArgumentError } from '../../shared/errors';
import { listBackbones } from './models';
import { notImplemented } from './notImplemented';
import type { RasterRegistry } from './rasters';

type AnalysisMethods = Pick<EngineContract,
  'models.list' | 'heads.export' | 'heads.import' | 'heads.delete' | 'segment.estimate' | 'segment.start' |
  'train.estimate' | 'train.start' | 'compare.start' | 'export.preview' | 'export.start'>;

function checkTiling(r: { tileSize: number; overlap: number }): void {
  if (!Number.isInteger(r.tileSize) || r.tileSize < 64 || r.tileSize > 2048) throw new InvalidArgumentError(`Tile size must be a whole number of pixels between 64 and 2048, got ${r.tileSize}.`);
  if (!Number.isInteger(r.overlap) || r.overlap < 0 || r.overlap * 2 >= r.tileSize) throw new InvalidArgumentError(`Overlap must be between 0 and half the tile size (${r.tileSize / 2 - 1}), got ${r.overlap}.`);
}

export function analysisMethods(rasters: RasterRegistry): AnalysisMethods {
  const segmentPrereqs = (r: SegmentRequest) => {
    rasters.get(r.rasterId);
    checkTiling(r);
    if (!r.headId) throw new InvalidArgumentError('Choose a head to segment with.', 'Train one in the Training panel or import one.');
  };
  const trainPrereqs = (r: TrainRequest) => {
    rasters.get(r.rasterId);
    checkTiling(r);
    const classesWithLabels = new Set(r.labels.features.map((f) => f.classId));
    if (classesWithLabels.size < 2) throw new InvalidArgumentError(`Training needs labelled polygons in at least two classes; there are labels in ${classesWithLabels.size}.`, 'Draw polygons for at least two classes in the Labels panel.');
    if (!(r.holdoutFraction >= 0.05 && r.holdoutFraction <= 0.5)) throw new InvalidArgumentError(`The holdout fraction must be between 0.05 and 0.5, got ${r.holdoutFraction}.`);
  };
  return {
    'models.list': async () => ({ backbones: listBackbones(), heads: [] }),
    'heads.export': async () => { throw notImplemented('Exporting a head', 'the head store (src/engine/store) is not built yet'); },
    'heads.import': async () => { throw notImplemented('Importing a head', 'the head store (src/engine/store) is not built yet'); },
    'heads.delete': async () => { throw notImplemented('Deleting a head', 'the head store (src/engine/store) is not built yet'); },
    'segment.estimate': async (r) => { void segmentPrereqs; void r; throw notImplemented('Segmentation', 'the tiled segmentation job (src/engine/jobs) and the SatDiFuser heads (src/engine/heads) are not built yet'); },
    'segment.start': async (r) => { void r; throw notImplemented('Segmentation', 'the tiled segmentation job (src/engine/jobs) and the SatDiFuser heads (src/engine/heads) are not built yet'); },
    'train.estimate': async (r) => { void trainPrereqs; void r; throw notImplemented('Training a head', 'the head training engine (src/engine/heads on src/engine/nn) is not built yet'); },
    'train.start': async (r) => { void r; throw notImplemented('Training a head', 'the head training engine (src/engine/heads on src/engine/nn) is not built yet'); },
    'compare.start': async (r: CompareRequest) => {
      void r;
      throw notImplemented('Comparing heads', 'segmentation (src/engine/jobs) and trained heads are not built yet');
    },
    'export.preview': async () => { throw notImplemented('Export preview', 'there is no segmentation result to export until segmentation is built'); },
    'export.start': async (r: ExportRequest) => {
      if (!r.path) throw new InvalidArgumentError('Choose where to save the export.');
      throw notImplemented('Export', 'there is no segmentation result to export until segmentation is built');
    },
  };
}
