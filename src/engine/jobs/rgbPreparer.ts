// Band choice and normalisation for the RGB backbones: three source bands scaled to [0, 1] by fixed ranges
// (0–255 for uint8) or a 2–98 % percentile stretch computed from a bounded sample (the raster engineer's
// normalize.ts), as `features --backbone` does; nodata pixels become 0. The ranges are the cache key's
// normalisation descriptor.
import { InvalidArgumentError } from '../../shared/errors';
import { fixedRanges, normalizeBlock, percentileStretch, type BandRange } from '../raster/normalize';
import type { RasterBlock, RasterSource } from '../raster/source';
import type { InputPreparer, TileInput } from './model';

export function rgbPreparer(bands: readonly number[], ranges: readonly BandRange[]): InputPreparer {
  if (bands.length !== 3 || ranges.length !== 3) throw new InvalidArgumentError(`The backbone takes three bands; got ${bands.length}.`, 'Choose red, green and blue, e.g. --bands 3,2,1 for Landsat.');
  return {
    bands,
    descriptor: { kind: 'range', ranges: ranges.map((r) => [r.low, r.high]) },
    prepare(block: RasterBlock): TileInput {
      const planes = normalizeBlock(block, ranges, true);
      const n = block.width * block.height;
      const data = new Float32Array(3 * n);
      for (let c = 0; c < 3; c++) for (let i = 0; i < n; i++) data[c * n + i] = block.valid[i] ? planes[c][i] : 0;
      return { width: block.width, height: block.height, channels: 3, data, valid: block.valid };
    },
  };
}

/** uint8 rasters: 0–255; anything else: the 2–98 % stretch of the chosen bands. */
export async function rgbPreparerFor(source: RasterSource, bands: readonly number[], signal?: AbortSignal): Promise<InputPreparer> {
  const bad = bands.filter((b) => b < 0 || b >= source.info.bands);
  if (bad.length) throw new InvalidArgumentError(`Band(s) ${bad.map((b) => b + 1).join(', ')} do not exist: the raster has ${source.info.bands}.`, 'Give three 1-based band numbers that exist.');
  const ranges = source.info.dataType === 'uint8' ? fixedRanges(0, 255, 3) : (await percentileStretch(source, { bands, signal })).ranges;
  return rgbPreparer(bands, ranges);
}
