// The tile grid: cores partition the extent, windows stay inside the raster, transforms match the windows,
// AOIs in another CRS select exactly the tiles that hold an AOI pixel, and absurd or empty grids are refused.
import { describe, expect, it } from 'vitest';
import type { RasterInfo } from '../../../src/shared/raster';
import { pixelToCrs } from '../../../src/engine/geo/affine';
import { WGS84, crsFromEpsg } from '../../../src/engine/geo/crs';
import type { Aoi } from '../../../src/engine/geo/geojson';
import { rasterizePixels } from '../../../src/engine/geo/rasterize';
import { reprojectPolygon } from '../../../src/engine/geo/reproject';
import { openRaster } from '../../../src/engine/raster/open';
import { tileGrid, type Tile } from '../../../src/engine/raster/tileGrid';
import { sampleScene } from '../../helpers/shared';

function fakeInfo(width: number, height: number): RasterInfo {
  return {
    path: 'fake.tif', width, height, bands: 1, dataType: 'uint8', nodata: null, epsg: 32632, crs: crsFromEpsg(32632),
    georeferenced: true, transform: [500000, 10, 0, 5000000, 0, -10], pixelSize: [10, -10], origin: [500000, 5000000],
    overviews: [], blockSize: [256, 256], tiled: true, compression: 'DEFLATE', bigTiff: false, bandNames: [null],
    interleave: 'band', format: 'GeoTIFF', mask: 'none', notes: [],
  };
}

function checkPartition(tiles: Tile[], extent: { x: number; y: number; width: number; height: number }): void {
  const owner = new Int32Array(extent.width * extent.height).fill(-1);
  for (const t of tiles) {
    // The core lies inside the window.
    expect(t.core.x).toBeGreaterThanOrEqual(t.window.x);
    expect(t.core.y).toBeGreaterThanOrEqual(t.window.y);
    expect(t.core.x + t.core.width).toBeLessThanOrEqual(t.window.x + t.window.width);
    expect(t.core.y + t.core.height).toBeLessThanOrEqual(t.window.y + t.window.height);
    let twice = 0;
    for (let y = t.core.y; y < t.core.y + t.core.height; y++) {
      for (let x = t.core.x; x < t.core.x + t.core.width; x++) {
        const k = (y - extent.y) * extent.width + (x - extent.x);
        if (owner[k] !== -1) twice++;
        owner[k] = t.index;
      }
    }
    expect(twice, `tile ${t.index}: pixels owned twice`).toBe(0);
  }
  expect(owner.every((o) => o >= 0)).toBe(true);
}

describe('tile grid over the whole raster', () => {
  for (const [w, h, tile, overlap] of [[1000, 700, 256, 32], [256, 256, 256, 32], [257, 300, 256, 0], [100, 80, 256, 32], [5000, 40, 512, 64]]) {
    it(`${w}×${h}, tile ${tile}, overlap ${overlap}`, () => {
      const info = fakeInfo(w, h);
      const grid = tileGrid(info, { tileSize: tile, overlap });
      const tiles = [...grid];
      expect(tiles.length).toBe(grid.count);
      expect(grid.count).toBe(grid.rows * grid.cols);
      for (const t of tiles) {
        expect(t.window.width).toBe(Math.min(tile, w));
        expect(t.window.height).toBe(Math.min(tile, h));
        expect(t.window.x).toBeGreaterThanOrEqual(0);
        expect(t.window.y).toBeGreaterThanOrEqual(0);
        expect(t.window.x + t.window.width).toBeLessThanOrEqual(w);
        expect(t.window.y + t.window.height).toBeLessThanOrEqual(h);
        const [x, y] = pixelToCrs(info.transform, [t.window.x, t.window.y]);
        expect(t.transform).toEqual([x, 10, 0, y, 0, -10]);
        expect(grid.tile(t.row, t.col)).toEqual(t);
      }
      // Neighbours overlap by at least `overlap` (the last one by more, being shifted back to the edge).
      for (const t of tiles) {
        const right = tiles.find((u) => u.row === t.row && u.col === t.col + 1);
        if (right) expect(t.window.x + t.window.width - right.window.x).toBeGreaterThanOrEqual(overlap);
      }
      checkPartition(tiles, grid.extent);
      // The stride is tile − overlap until the last tile.
      if (grid.cols > 2) expect(tiles[1].window.x - tiles[0].window.x).toBe(tile - overlap);
    });
  }
});

describe('tile grid over an AOI', () => {
  it('selects exactly the tiles that hold an AOI pixel (AOI in WGS 84, raster in UTM)', async () => {
    const src = await openRaster(sampleScene);
    const info = src.info;
    // A triangle over part of the sample scene (Olinda), in lon/lat.
    const aoi: Aoi = { crs: WGS84, geometry: { type: 'Polygon', coordinates: [[[-34.905, -7.96], [-34.86, -7.975], [-34.89, -8.03], [-34.905, -7.96]]] } };
    const grid = tileGrid(info, { tileSize: 32, overlap: 8, aoi });
    const inPixels = reprojectPolygon(aoi.geometry, WGS84, info.crs!);
    if (inPixels.type !== 'Polygon') throw new Error(`a reprojected triangle must stay a Polygon, got a ${inPixels.type}`);
    // The scene is north-up, so CRS → pixel is one scale and offset per axis (computed here, not by the engine).
    expect([info.transform[2], info.transform[4]]).toEqual([0, 0]);
    const toPixel = ([x, y]: readonly [number, number]): [number, number] => [(x - info.transform[0]) / info.transform[1], (y - info.transform[3]) / info.transform[5]];
    const full = rasterizePixels({ type: 'Polygon', coordinates: inPixels.coordinates.map((r) => r.map(toPixel)) }, { x: 0, y: 0, width: info.width, height: info.height });
    let expected = 0;
    for (let r = 0; r < grid.rows; r++) for (let c = 0; c < grid.cols; c++) {
      const t = grid.tile(r, c);
      let hit = false;
      for (let y = t.window.y; y < t.window.y + t.window.height && !hit; y++) for (let x = t.window.x; x < t.window.x + t.window.width; x++) if (full[y * info.width + x]) { hit = true; break; }
      expect(grid.touches(r, c), `tile ${r},${c}`).toBe(hit);
      if (hit) expected++;
    }
    expect(grid.count).toBe(expected);
    expect(grid.count).toBeLessThan(grid.rows * grid.cols);
    // The AOI mask of any window equals the full rasterization there.
    const t = [...grid][0];
    const m = grid.aoiMask(t.window);
    let differ = 0;
    for (let y = 0; y < t.window.height; y++) for (let x = 0; x < t.window.width; x++) {
      if (m[y * t.window.width + x] !== full[(t.window.y + y) * info.width + t.window.x + x]) differ++;
    }
    expect(differ).toBe(0);
    await src.close();
  });

  it('an AOI outside the raster is AOI_OUTSIDE_RASTER', () => {
    const info = fakeInfo(100, 100);
    const far: Aoi = { crs: WGS84, geometry: { type: 'Polygon', coordinates: [[[100, 10], [101, 10], [101, 11], [100, 10]]] } };
    expect(() => tileGrid(info, { tileSize: 64, overlap: 0, aoi: far })).toThrow(expect.objectContaining({ code: 'AOI_OUTSIDE_RASTER' }));
  });

  it('absurd grids and bad sizes are refused', () => {
    const huge = fakeInfo(2_000_000, 2_000_000);
    expect(() => tileGrid(huge, { tileSize: 256, overlap: 32 })).toThrow(expect.objectContaining({ code: 'ABSURD_SIZE' }));
    const info = fakeInfo(100, 100);
    for (const [tileSize, overlap] of [[8, 0], [256, 200], [256, -1], [100.5, 0], [100000, 0]]) {
      expect(() => tileGrid(info, { tileSize, overlap }), `${tileSize}/${overlap}`).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
  });

  it('a grid of a million tiles is iterated lazily, without holding the tiles', () => {
    const info = fakeInfo(256 * 1000, 256 * 1000);
    const grid = tileGrid(info, { tileSize: 256, overlap: 0 });
    expect(grid.count).toBe(1_000_000);
    let n = 0;
    for (const t of grid) {
      if (n === 999_999) expect(t.window).toEqual({ x: 255744, y: 255744, width: 256, height: 256 });
      n++;
    }
    expect(n).toBe(1_000_000);
  });
});
