// Classification training data: one sample per (raster, window), resampled to the backbone's tile (bilinear, as
// the release upsamples 64² EuroSAT patches to 256²), its features and its class. Holdout by raster when the
// samples come from ≥ 5 rasters (patches of one image are near-duplicates of each other), else stratified per
// class; 20 % by default, seeded.
import { InvalidArgumentError, throwIfCancelled } from '../../../shared/errors';
import type { PixelWindow } from '../../../shared/geometry';
import type { RasterInfo } from '../../../shared/raster';
import { openRaster } from '../../raster/open';
import type { FeatureCache } from '../../store/featureCache';
import type { ClsSample } from '../dataset/manifest';
import { type PackedFeatures, packFeatures, packedBytes } from '../features/bank';
import type { BackboneHandle } from '../features/extractors';
import { fetchFeatures } from '../features/fetch';
import { defaultBands, makePreparer, type Normalization } from '../features/preparer';
import { createRng, shuffleInPlace } from '../random';

export interface ClsItem {
  readonly raster: string;
  readonly window: PixelWindow;
  readonly features: PackedFeatures;
  readonly train: number | null;
  readonly holdout: number | null;
}

export interface ClsData {
  readonly items: readonly ClsItem[];
  readonly numClasses: number;
  readonly classPixels: readonly number[];
  readonly holdout: string;
  readonly rasters: readonly { path: string; info: RasterInfo; normalization: Normalization }[];
  readonly bands: readonly number[];
  readonly featureBytes: number;
  readonly cacheHits: number;
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
    holdout = 'none (evaluated on a separate dataset)';
  } else if (byRaster.size >= 5) {
    const rasters = shuffleInPlace([...byRaster.keys()].sort(), rng);
    const k = Math.max(1, Math.round(fraction * rasters.length));
    for (const r of rasters.slice(0, k)) for (const i of byRaster.get(r)!) held.add(i);
    holdout = `${k} of ${rasters.length} rasters held out (their ${held.size} samples)`;
  } else {
    for (let c = 0; c < numClasses; c++) {
      const idx = samples.map((s, i) => (s.classId === c ? i : -1)).filter((i) => i >= 0);
      if (idx.length < 2) continue;
      for (const i of shuffleInPlace(idx, rng).slice(0, Math.max(1, Math.round(fraction * idx.length)))) held.add(i);
    }
    holdout = `${held.size} of ${samples.length} samples held out, stratified per class`;
  }
  const bands = o.bands;
  const items: ClsItem[] = new Array(samples.length);
  const rasters: ClsData['rasters'][number][] = [];
  let done = 0, hits = 0, bytes = 0;
  for (const [path, idx] of byRaster) {
    throwIfCancelled(o.signal, 'Preparing the samples');
    const src = await openRaster(path, { signal: o.signal });
    try {
      const info = src.info;
      const preparer = await makePreparer(src, bands ?? defaultBands(info.bands), o.signal);
      rasters.push({ path, info, normalization: preparer.normalization });
      const windows = idx.map((i) => samples[i]!.window ?? { x: 0, y: 0, width: info.width, height: info.height });
      const fetched = await fetchFeatures({ source: src, preparer, extractor: o.backbone.extractor, cache: o.cache }, windows, {
        signal: o.signal, onTile: (hit) => { hits += hit ? 1 : 0; o.onProgress?.(++done, samples.length, hit ? 'cached' : 'extracted'); },
      });
      fetched.forEach((f, k) => {
        const i = idx[k]!;
        const packed = packFeatures(f.features);
        bytes += packedBytes(packed);
        const c = samples[i]!.classId;
        items[i] = { raster: path, window: f.window, features: packed, train: held.has(i) ? null : c, holdout: held.has(i) ? c : null };
      });
    } finally {
      await src.close();
    }
  }
  const classPixels = new Array(numClasses).fill(0);
  for (const it of items) if (it.train !== null) classPixels[it.train]++;
  return { items, numClasses, classPixels, holdout, rasters, bands: bands ?? defaultBands(rasters[0]!.info.bands), featureBytes: bytes, cacheHits: hits };
}
