// Classification training data: one sample per (raster, window), resampled to the backbone's tile (bilinear, as
// the release upsamples 64² EuroSAT patches to 256²), its features and its class. Holdout by raster when the
// samples come from ≥ 5 rasters (patches of one image are near-duplicates of each other), else stratified per
// class; 20 % by default, seeded.
import { InvalidArgumentError, throwIfCancelled } from '../../../shared/errors';
import type { PixelWindow } from '../../../shared/geometry';
import type { FeatureCache } from '../../store/featureCache';
import type { ClsSample } from '../dataset/manifest';
import type { PackedFeatures } from '../features/bank';
import type { BackboneHandle } from '../features/extractors';
import { defaultBands } from '../features/preparer';
import { createRng, shuffleInPlace } from '../random';
import { FeatureCollector, heldOutUnits, NO_HOLDOUT, type PreparedFeatures, RASTER_HOLDOUT_MIN } from './rasterFeatures';

export interface ClsItem {
  readonly raster: string;
  readonly window: PixelWindow;
  readonly features: PackedFeatures;
  readonly train: number | null;
  readonly holdout: number | null;
}

export interface ClsData extends PreparedFeatures {
  readonly items: readonly ClsItem[];
  readonly numClasses: number;
  readonly classPixels: readonly number[];
  readonly holdout: string;
}

export async function prepareClsData(samples: readonly ClsSample[], o: {
  backbone: BackboneHandle; cache: FeatureCache | null; bands?: readonly number[]; holdoutFraction?: number; seed?: number; noHoldout?: boolean;
  signal?: AbortSignal; onProgress?: (done: number, total: number, message: string) => void;
}): Promise<ClsData> {
  const numClasses = Math.max(...samples.map((s) => s.classId)) + 1;
  if (numClasses < 2) throw new InvalidArgumentError('A classification dataset needs at least two classes.');
  const byRaster = new Map<string, number[]>();
  samples.forEach((s, i) => byRaster.set(s.raster, [...(byRaster.get(s.raster) ?? []), i]));
  const rng = createRng(o.seed ?? 0);
  const fraction = o.holdoutFraction ?? 0.2;
  const held = new Set<number>();
  let holdout: string;
  if (o.noHoldout) {
    holdout = NO_HOLDOUT;
  } else if (byRaster.size >= RASTER_HOLDOUT_MIN) {
    const rasters = heldOutUnits([...byRaster.keys()].sort(), fraction, rng);
    for (const r of rasters) for (const i of byRaster.get(r)!) held.add(i);
    holdout = `${rasters.size} of ${byRaster.size} rasters held out (their ${held.size} samples)`;
  } else {
    for (let c = 0; c < numClasses; c++) {
      const idx = samples.map((s, i) => (s.classId === c ? i : -1)).filter((i) => i >= 0);
      if (idx.length < 2) continue;
      for (const i of shuffleInPlace(idx, rng).slice(0, Math.max(1, Math.round(fraction * idx.length)))) held.add(i);
    }
    holdout = `${held.size} of ${samples.length} samples held out, stratified per class`;
  }
  const items: ClsItem[] = new Array(samples.length);
  const collector = new FeatureCollector({ backbone: o.backbone, cache: o.cache, total: samples.length, signal: o.signal, onProgress: o.onProgress });
  for (const [path, idx] of byRaster) {
    throwIfCancelled(o.signal, 'Preparing the samples');
    const fetched = await collector.collect(path, (info) => idx.map((i) => samples[i]!.window ?? { x: 0, y: 0, width: info.width, height: info.height }), o.bands);
    fetched.forEach((f, k) => {
      const i = idx[k]!;
      const c = samples[i]!.classId;
      items[i] = { raster: path, window: f.window, features: f.features, train: held.has(i) ? null : c, holdout: held.has(i) ? c : null };
    });
  }
  const classPixels = new Array(numClasses).fill(0);
  for (const it of items) if (it.train !== null) classPixels[it.train]++;
  const { rasters, featureBytes, cacheHits } = collector;
  return { items, numClasses, classPixels, holdout, rasters, bands: o.bands ?? defaultBands(rasters[0]!.info.bands), featureBytes, cacheHits };
}
