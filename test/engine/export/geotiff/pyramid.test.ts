import { describe, expect, it } from 'vitest';
import { pyramidLevels } from '../../../../src/engine/export/geotiff/pyramid';

const sizes = (l: { width: number; height: number }[]) => l.map((g) => `${g.width}x${g.height}`);

describe('overview pyramid geometry', () => {
  it("halves rounding up until one tile holds the level (GDAL's COG default)", () => {
    expect(sizes(pyramidLevels(349, 352, 256, 'auto'))).toEqual(['349x352', '175x176']);
    expect(sizes(pyramidLevels(20000, 20000, 512, 'auto'))).toEqual(['20000x20000', '10000x10000', '5000x5000', '2500x2500', '1250x1250', '625x625', '313x313']);
    expect(sizes(pyramidLevels(512, 100, 512, 'auto'))).toEqual(['512x100']);
    expect(sizes(pyramidLevels(513, 3, 256, 'auto'))).toEqual(['513x3', '257x2', '129x1']);
  });

  it('gives the requested number of overviews, stopping at 1×1', () => {
    expect(sizes(pyramidLevels(100, 70, 32, 0))).toEqual(['100x70']);
    expect(sizes(pyramidLevels(5, 3, 16, 10))).toEqual(['5x3', '3x2', '2x1', '1x1']);
  });

  it('counts tiles per level', () => {
    const l = pyramidLevels(1000, 600, 256, 'auto');
    expect(l.map((g) => [g.tilesAcross, g.tilesDown])).toEqual([[4, 3], [2, 2], [1, 1]]);
  });
});
