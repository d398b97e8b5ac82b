// The estimate shown before a job runs: tiles, area, how many tiles the cache already holds (looked up in
// the window index, without reading a pixel), how many a previous interrupted run finished, and the
// expected time from timings measured on this machine (else the model's nominal figure).
import type { PixelWindow } from '../../shared/geometry';
import type { JobEstimate, JobKind, JobWarning } from '../../shared/jobs';
import type { RasterInfo } from '../../shared/raster';
import type { DeviceTimings } from '../store/deviceTimings';
import type { FeatureCache } from '../store/featureCache';
import type { JobJournal } from '../store/jobJournal';
import { pixelAreaKm2 } from './guards';
import type { FeatureExtractor, InputPreparer } from './model';
import { extractionSettingsHash, windowId } from './tileFeatures';
import type { PlannedTile, TilePlan } from './tilePlan';

export interface EstimateInput {
  readonly kind: JobKind;
  readonly plan: TilePlan;
  readonly info: RasterInfo;
  readonly box: PixelWindow;
  readonly aoiMask?: (w: PixelWindow) => Uint8Array;
  readonly preparer: InputPreparer;
  readonly extractor: FeatureExtractor;
  readonly headId: string;
  readonly headSeconds?: number;
  readonly batchSize: number;
  readonly cache: FeatureCache | null;
  readonly sourceFingerprint: string;
  readonly timings?: DeviceTimings;
  readonly journal: JobJournal | null;
  readonly jobHash: string;
  readonly warnings: readonly JobWarning[];
  readonly includeTile: (t: PlannedTile) => boolean;
  /** Units of the journal are rows of tiles (segmentation) or single tiles (classification). */
  readonly unitsAreRows?: boolean;
}

/** Pixels of the AOI, counted a strip at a time so memory stays bounded. */
export function aoiPixels(box: PixelWindow, aoiMask?: (w: PixelWindow) => Uint8Array): number {
  if (!aoiMask) return box.width * box.height;
  let n = 0;
  const step = Math.max(1, Math.floor(4_000_000 / Math.max(1, box.width)));
  for (let y = box.y; y < box.y + box.height; y += step) {
    const m = aoiMask({ x: box.x, y, width: box.width, height: Math.min(step, box.y + box.height - y) });
    for (let i = 0; i < m.length; i++) n += m[i];
  }
  return n;
}

export async function estimateJob(e: EstimateInput): Promise<JobEstimate> {
  const settings = extractionSettingsHash(e);
  let tiles = 0;
  let cached = 0;
  for (let r = 0; r < e.plan.rows; r++) {
    for (let c = 0; c < e.plan.cols; c++) {
      const t = e.plan.tile(r, c);
      if (!e.includeTile(t)) continue;
      tiles++;
      if (e.cache) {
        const key = e.cache.lookupWindow(e.sourceFingerprint, windowId(t.window), settings);
        if (key !== null && e.cache.has(key)) cached++;
      }
    }
  }
  let resumed = 0;
  const prior = e.journal?.findUnfinished(e.kind, e.jobHash);
  if (prior) resumed = (e.unitsAreRows ?? true) ? Math.min(tiles, prior.doneUnits * e.plan.cols) : prior.doneUnits;
  const pixels = aoiPixels(e.box, e.aoiMask);
  const pxKm2 = pixelAreaKm2(e.info);
  const device = e.extractor.device;
  const measuredExtract = e.timings?.get(e.extractor.id, device, 'extract') ?? null;
  const measuredHead = e.timings?.get(e.headId, device, 'head') ?? null;
  const extractS = measuredExtract ?? e.extractor.nominalSecondsPerTile ?? null;
  const headS = measuredHead ?? e.headSeconds ?? null;
  const timingSource = measuredExtract !== null ? 'measured' : extractS !== null ? 'nominal' : 'unknown';
  const toRun = Math.max(0, tiles - resumed);
  const cold = Math.max(0, toRun - cached);
  const expectedSeconds = extractS === null ? null : cold * extractS + toRun * (headS ?? 0);
  return {
    kind: e.kind,
    tiles,
    cachedTiles: cached,
    resumedTiles: resumed,
    batchSize: e.batchSize,
    pixels,
    areaKm2: pxKm2 === null ? null : pixels * pxKm2,
    expectedSeconds,
    timingSource,
    device,
    warnings: e.warnings,
  };
}
