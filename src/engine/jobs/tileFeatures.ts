// Features for a batch of tiles: read the pixels, key them by content, take what the cache has, run the
// backbone once on the rest (one batched call), store those. A tile whose pixels are all nodata is
// skipped: nothing is extracted for it and its output stays nodata.
import { throwIfCancelled } from '../../shared/errors';
import type { PixelWindow } from '../../shared/geometry';
import type { RasterBlock, RasterSource } from '../raster/source';
import type { FeatureCache, FeatureSet } from '../store/featureCache';
import type { TileBuffers } from './tileBuffers';
import { featureKey, hashWindowPixels, settingsHash } from '../store/featureKey';
import { float16ToFloat32, float32ToFloat16 } from '../nn/fp16';
import type { FeatureExtractor, InputPreparer, TileInput } from './model';

export interface TileFeatures {
  readonly window: PixelWindow;
  /** height × width, 1 = the pixel holds data (the source mask as read). */
  readonly valid: Uint8Array;
  /** null when the tile holds no valid pixel. */
  readonly features: FeatureSet | null;
  readonly cacheHit: boolean;
}

export interface FeatureContext {
  readonly source: RasterSource;
  /** Identifies the raster file for the window index (path, size, mtime). */
  readonly sourceFingerprint: string;
  readonly preparer: InputPreparer;
  readonly extractor: FeatureExtractor;
  readonly cache: FeatureCache | null;
}

export function extractionSettingsHash(ctx: Pick<FeatureContext, 'preparer' | 'extractor'>): string {
  return settingsHash(keyParts(ctx));
}

function keyParts(ctx: Pick<FeatureContext, 'preparer' | 'extractor'>) {
  return {
    bands: ctx.preparer.bands,
    normalization: ctx.preparer.descriptor,
    backboneId: ctx.extractor.id,
    weightsHash: ctx.extractor.weightsHash,
    extraction: { settings: ctx.extractor.settings, tileSize: ctx.extractor.tileSize },
  };
}

export const windowId = (w: PixelWindow) => `${w.x},${w.y},${w.width},${w.height}`;

export async function readTile(source: RasterSource, window: PixelWindow, bands: readonly number[], signal?: AbortSignal): Promise<RasterBlock> {
  return source.read({ window, bands, signal });
}

/** With `buffers`, cached tiles are decoded into slot i of the batch: the features are valid until the next
 *  batch uses the same buffers. */
export async function featuresForBatch(ctx: FeatureContext, windows: readonly PixelWindow[], signal?: AbortSignal, buffers?: TileBuffers): Promise<TileFeatures[]> {
  throwIfCancelled(signal, 'The job');
  const blocks = await Promise.all(windows.map((w) => readTile(ctx.source, w, ctx.preparer.bands, signal)));
  const settings = extractionSettingsHash(ctx);
  const parts = keyParts(ctx);
  const out: { window: PixelWindow; valid: Uint8Array; features: FeatureSet | null; cacheHit: boolean; key: string | null }[] = [];
  const missing: number[] = [];
  for (let i = 0; i < windows.length; i++) {
    const block = blocks[i];
    if (!block.valid.some((v) => v !== 0)) {
      out.push({ window: windows[i], valid: block.valid, features: null, cacheHit: false, key: null });
      continue;
    }
    const key = featureKey({ contentHash: hashWindowPixels(block), ...parts });
    const cached = ctx.cache?.get(key, buffers?.slot(i)) ?? null;
    out.push({ window: windows[i], valid: block.valid, features: cached, cacheHit: cached !== null, key });
    if (!cached) missing.push(i);
    ctx.cache?.indexWindow(ctx.sourceFingerprint, windowId(windows[i]), settings, key);
  }
  if (missing.length > 0) {
    throwIfCancelled(signal, 'The job');
    // Only tiles the backbone will see are normalised: a cached tile needs its valid mask, nothing more.
    const inputs: TileInput[] = missing.map((i) => ctx.preparer.prepare(blocks[i]));
    const extracted = await ctx.extractor.extract(inputs, signal);
    if (extracted.length !== missing.length) throw new Error(`backbone ${ctx.extractor.id} returned ${extracted.length} feature sets for ${missing.length} tiles`);
    missing.forEach((i, k) => {
      // Use the features as the cache returns them (fp16-rounded), so a result never depends on whether a
      // tile was cached: an interrupted and resumed job, or a second run, gives the same output bytes.
      out[i].features = extracted[k].map((t) => ({ name: t.name, shape: t.shape, data: float16ToFloat32(float32ToFloat16(t.data)) }));
      ctx.cache?.put(out[i].key!, extracted[k], { backbone: ctx.extractor.id });
    });
  }
  return out.map(({ window, valid, features, cacheHit }) => ({ window, valid, features, cacheHit }));
}
