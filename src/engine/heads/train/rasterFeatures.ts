// What segmentation and classification training data have in common: the raster-level holdout of a dataset with
// many images, and the features of a set of windows per raster (from the cache or the backbone), packed in fp16,
// with the per-raster normalisation the head card records.
import type { PixelWindow } from '../../../shared/geometry';
import type { RasterInfo } from '../../../shared/raster';
import { openRaster } from '../../raster/open';
import type { FeatureCache } from '../../store/featureCache';
import { type PackedFeatures, packFeatures, packedBytes } from '../features/bank';
import type { BackboneHandle } from '../features/extractors';
import { fetchFeatures } from '../features/fetch';
import { defaultBands, makePreparer, type Normalization } from '../features/preparer';
import type { Rng } from '../random';
import { shuffleInPlace } from '../random';

export const NO_HOLDOUT = 'none (evaluated on a separate dataset)';

/** Datasets of at least this many rasters hold out whole rasters: windows of one image are near-duplicates. */
export const RASTER_HOLDOUT_MIN = 5;

/** The units (rasters) held out: a seeded shuffle, the first round(fraction · n), at least one. */
export function heldOutUnits<T>(units: readonly T[], fraction: number, rng: Rng): Set<T> {
  const order = shuffleInPlace([...units], rng);
  return new Set(order.slice(0, Math.max(1, Math.round(fraction * units.length))));
}

export interface RasterRecord {
  readonly path: string;
  readonly info: RasterInfo;
  readonly normalization: Normalization;
}

/** Fields both ClsData and SegData carry. */
export interface PreparedFeatures {
  readonly rasters: readonly RasterRecord[];
  /** 0-based bands fed to the backbone. */
  readonly bands: readonly number[];
  readonly featureBytes: number;
  readonly cacheHits: number;
}

export interface WindowFeatures {
  readonly window: PixelWindow;
  readonly features: PackedFeatures;
}

export interface FeatureCollectorOptions {
  readonly backbone: BackboneHandle;
  readonly cache: FeatureCache | null;
  /** Windows over all rasters, for progress. */
  readonly total: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (done: number, total: number, message: string) => void;
}

/** Fetches and packs window features raster by raster, keeping the counts and normalisations for the card. */
export class FeatureCollector {
  readonly rasters: RasterRecord[] = [];
  cacheHits = 0;
  featureBytes = 0;
  private done = 0;

  constructor(private readonly o: FeatureCollectorOptions) {}

  /**
   * The features of `windowsOf(info)` on one raster, in that order. `bands` defaults to the raster's first three
   * (or its only one).
   */
  async collect(path: string, windowsOf: (info: RasterInfo) => readonly PixelWindow[], bands?: readonly number[]): Promise<WindowFeatures[]> {
    const o = this.o;
    const src = await openRaster(path, { signal: o.signal });
    try {
      const info = src.info;
      const preparer = await makePreparer(src, bands ?? defaultBands(info.bands), o.signal);
      this.rasters.push({ path, info, normalization: preparer.normalization });
      const fetched = await fetchFeatures({ source: src, preparer, extractor: o.backbone.extractor, cache: o.cache }, windowsOf(info), {
        signal: o.signal,
        onTile: (hit) => {
          this.cacheHits += hit ? 1 : 0;
          o.onProgress?.(++this.done, o.total, hit ? 'cached' : 'extracted');
        },
      });
      return fetched.map((f) => {
        const features = packFeatures(f.features);
        this.featureBytes += packedBytes(features);
        return { window: f.window, features };
      });
    } finally {
      await src.close();
    }
  }
}
