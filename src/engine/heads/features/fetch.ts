// Features for raster windows: read (optionally resampled to the tile size), normalise, key by content, take
// what the feature cache has and extract the rest in batches. The key is the pipeline's (store/featureKey.ts), so
// training, segmentation jobs and comparisons share one cache.
import { throwIfCancelled } from '../../../shared/errors';
import type { PixelWindow } from '../../../shared/geometry';
import type { FeatureExtractor, InputPreparer, TileInput } from '../../jobs/model';
import type { RasterSource } from '../../raster/source';
import type { FeatureCache, FeatureSet } from '../../store/featureCache';
import { featureKey, hashWindowPixels } from '../../store/featureKey';

export interface FetchContext {
  readonly source: RasterSource;
  readonly preparer: InputPreparer;
  readonly extractor: FeatureExtractor;
  readonly cache: FeatureCache | null;
}

export interface FetchedTile {
  readonly window: PixelWindow;
  readonly input: TileInput;
  readonly features: FeatureSet;
  readonly cacheHit: boolean;
}

/**
 * Windows larger or smaller than the tile are resampled (bilinear) to tile × tile: classification patches (e.g.
 * 64 × 64) are upsampled as the release does for EuroSAT (64 → 256).
 */
export async function fetchFeatures(ctx: FetchContext, windows: readonly PixelWindow[], o: { signal?: AbortSignal; batch?: number; onTile?: (hit: boolean) => void } = {}): Promise<FetchedTile[]> {
  const size = ctx.extractor.tileSize;
  const parts = {
    bands: ctx.preparer.bands, normalization: ctx.preparer.descriptor, backboneId: ctx.extractor.id,
    weightsHash: ctx.extractor.weightsHash, extraction: { settings: ctx.extractor.settings, tileSize: size },
  };
  const out: FetchedTile[] = [];
  const batch = Math.max(1, o.batch ?? 4);
  for (let i = 0; i < windows.length; i += batch) {
    throwIfCancelled(o.signal, 'Feature extraction');
    const chunk = windows.slice(i, i + batch);
    const items = await Promise.all(chunk.map(async (window) => {
      const resample = window.width !== size || window.height !== size;
      const block = await ctx.source.read({ window, bands: ctx.preparer.bands, signal: o.signal, ...(resample ? { outWidth: size, outHeight: size, resampling: 'bilinear' as const } : {}) });
      const input = ctx.preparer.prepare(block);
      const key = featureKey({ contentHash: hashWindowPixels(block), ...parts });
      return { window, input, key, cached: ctx.cache?.get(key) ?? null };
    }));
    const missing = items.filter((it) => !it.cached);
    const extracted = missing.length ? await ctx.extractor.extract(missing.map((m) => m.input), o.signal) : [];
    missing.forEach((m, k) => {
      m.cached = extracted[k]!;
      ctx.cache?.put(m.key, extracted[k]!, { backbone: ctx.extractor.id });
    });
    for (const it of items) {
      const hit = !missing.includes(it);
      o.onTile?.(hit);
      out.push({ window: it.window, input: it.input, features: it.cached!, cacheHit: hit });
    }
  }
  return out;
}
