// Display defaults and the WebGL style expressions: a stretch maps [min, max] to [0, 1] and clamps outside it;
// nodata alpha comes from the trailing alpha band; masks use the class colours and leave 255 transparent.
import { describe, expect, it } from 'vitest';
import type { RasterInfo } from '../../src/shared/raster';
import type { RasterStatistics } from '../../src/shared/contract';
import { defaultBands, defaultRasterStyle, rasterStyleExpression, stretchFor } from '../../src/renderer/map/rasterStyle';
import { maskStyleExpression } from '../../src/renderer/map/classStyle';

const info = (bands: number, names: (string | null)[] = []): RasterInfo => ({
  path: '/x.tif', width: 10, height: 10, bands, dataType: 'uint16', nodata: 0, epsg: null, crs: null, georeferenced: false,
  transform: [0, 1, 0, 0, 0, -1], pixelSize: [1, -1], origin: [0, 0], overviews: [], blockSize: [10, 10], tiled: false,
  compression: 'none', bigTiff: false, bandNames: names.length ? names : Array(bands).fill(null), interleave: 'pixel', format: 'GeoTIFF',
  mask: 'nodata', notes: ['no georeferencing: opened as a pixel raster (pixel coordinates, no map position)'],
});

const stats: RasterStatistics = {
  approximate: false, sampledFrom: 'all',
  bands: [0, 1, 2, 3].map((band) => ({ band, min: band, max: 1000 + band, mean: 500, stdDev: 100, p2: 10 * (band + 1), p98: 900 + band, validCount: 100 })),
};

/** Evaluates the subset of OpenLayers expressions these styles use, for one pixel. */
function evaluate(e: unknown, bands: number[]): unknown {
  if (typeof e === 'number') return e;
  if (!Array.isArray(e)) return e;
  const [op, ...a] = e as [string, ...unknown[]];
  const v = (x: unknown) => evaluate(x, bands) as number;
  switch (op) {
    case 'band': return bands[(a[0] as number) - 1];
    case '-': return v(a[0]) - v(a[1]);
    case '/': return v(a[0]) / v(a[1]);
    case 'clamp': return Math.min(v(a[2]), Math.max(v(a[1]), v(a[0])));
    case 'array': return a.map(v);
    case '==': return v(a[0]) === v(a[1]);
    case 'case': {
      for (let i = 0; i + 1 < a.length; i += 2) if (evaluate(a[i], bands)) return a[i + 1];
      return a[a.length - 1];
    }
    default: if (typeof op === 'number') return e; throw new Error(`op ${op}`);
  }
}

describe('default bands and stretch', () => {
  it('uses bands named red/green/blue, else the first three, else grey', () => {
    expect(defaultBands(info(4, ['blue', 'green', 'red', 'nir']))).toEqual({ mode: 'rgb', bands: [2, 1, 0] });
    expect(defaultBands(info(6))).toEqual({ mode: 'rgb', bands: [0, 1, 2] });
    expect(defaultBands(info(1))).toEqual({ mode: 'gray', bands: [0] });
  });

  it('takes the 2–98 % cut, min/max or mean ± 2σ (clipped to the data range) from the statistics', () => {
    expect(stretchFor('percentile', [2, 1, 0], stats, info(4)).ranges).toEqual([[30, 902], [20, 901], [10, 900]]);
    expect(stretchFor('minmax', [3], stats, info(4)).ranges).toEqual([[3, 1003]]);
    expect(stretchFor('stddev', [0], stats, info(4)).ranges).toEqual([[300, 700]]);
    expect(stretchFor('percentile', [0], null, info(4)).ranges).toEqual([[0, 65535]]);
  });
});

describe('style expressions', () => {
  it('maps the stretch range to 0..1, clamps outside, and reads alpha from the nodata band', () => {
    const style = defaultRasterStyle(info(4, ['blue', 'green', 'red', 'nir']), stats);
    const { color } = rasterStyleExpression(style, true);
    // source bands are [red, green, blue] = file bands 2,1,0 with stretch [30,902],[20,901],[10,900]; band 4 = alpha
    expect(evaluate(color, [30, 901, 455, 1])).toEqual([0, 1, 0.5, 1]);
    expect(evaluate(color, [5000, -50, 10, 0])).toEqual([1, 0, 0, 0]);
    expect(evaluate(rasterStyleExpression({ ...style, nodataTransparent: false }, true).color, [30, 901, 455, 0])).toEqual([0, 1, 0.5, 1]);
  });

  it('draws grey from one band', () => {
    const { color } = rasterStyleExpression({ mode: 'gray', bands: [0], stretch: { kind: 'manual', ranges: [[100, 200]] }, nodataTransparent: true }, false);
    expect(evaluate(color, [150])).toEqual([0.5, 0.5, 0.5, 1]);
  });

  it('colours masks by class id, leaving 255 and unknown ids transparent', () => {
    const { color } = maskStyleExpression([{ id: 0, name: 'a', color: [1, 2, 3] }, { id: 5, name: 'b', color: [9, 8, 7] }]);
    expect(evaluate(color, [0])).toEqual([1, 2, 3, 1]);
    expect(evaluate(color, [5])).toEqual([9, 8, 7, 1]);
    expect(evaluate(color, [255])).toEqual([0, 0, 0, 0]);
    expect(evaluate(color, [3])).toEqual([0, 0, 0, 0]);
  });
});
