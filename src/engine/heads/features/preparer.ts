// Raster block → backbone input: the chosen bands (in order), scaled to [0, 1] per band (uint8: /255; other
// types: the raster's 2–98 % percentile stretch, computed once from a bounded sample), nodata pixels filled with 0.
// The backbone extractor maps [0, 1] to its own input range. The descriptor keys the feature cache.
import { InvalidArgumentError } from '../../../shared/errors';
import { type BandRange, fixedRanges, normalizeBlock, percentileStretch } from '../../raster/normalize';
import type { RasterBlock, RasterSource } from '../../raster/source';
import type { InputPreparer, TileInput } from '../../jobs/model';

export interface Normalization {
  readonly kind: 'fixed' | 'percentile';
  readonly ranges: readonly BandRange[];
}

export async function makePreparer(src: RasterSource, bands: readonly number[], signal?: AbortSignal): Promise<InputPreparer & { normalization: Normalization }> {
  const info = src.info;
  for (const b of bands) {
    if (!(Number.isInteger(b) && b >= 0 && b < info.bands)) {
      throw new InvalidArgumentError(`Band ${b + 1} is not in "${info.path}", which has ${info.bands} band${info.bands === 1 ? '' : 's'}.`, 'Choose bands with --bands r,g,b (1-based).');
    }
  }
  const normalization: Normalization = info.dataType === 'uint8'
    ? { kind: 'fixed', ranges: fixedRanges(0, 255, bands.length) }
    : { kind: 'percentile', ranges: (await percentileStretch(src, { bands, signal })).ranges };
  const descriptor = { kind: normalization.kind, ranges: normalization.ranges.map((r) => [r.low, r.high]), nodataFill: 0 };
  return {
    bands: [...bands],
    descriptor,
    normalization,
    prepare(block: RasterBlock): TileInput {
      const planes = normalizeBlock(block, normalization.ranges, true);
      const n = block.width * block.height;
      const data = new Float32Array(bands.length * n);
      planes.forEach((p, c) => {
        for (let i = 0; i < n; i++) data[c * n + i] = block.valid[i] ? p[i]! : 0;
      });
      return { width: block.width, height: block.height, channels: bands.length, data, valid: block.valid };
    },
  };
}

/** Default band choice: the first three bands (a single band is repeated), as the backbone's `features` command. */
export function defaultBands(bandCount: number): number[] {
  return bandCount >= 3 ? [0, 1, 2] : [0, 0, 0];
}

/** "3,2,1" (1-based) → [2, 1, 0]. */
export function parseBands(text: string): number[] {
  const v = text.split(',').map((s) => Number(s.trim()) - 1);
  if (v.length !== 3 || v.some((b) => !Number.isInteger(b) || b < 0)) throw new InvalidArgumentError(`--bands must be three 1-based band numbers, e.g. 3,2,1; got "${text}".`);
  return v;
}
