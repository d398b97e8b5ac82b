// `satdifuser tiles`: the grid as text and JSON, AOIs in WGS 84 and in the raster's CRS, and errors.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sampleScene } from '../helpers/shared';
import { cleanup, tempDir } from '../engine/raster/fixtures';
import { cli } from './rasterCli';

afterAll(cleanup);

function aoiFile(name: string, doc: unknown): string {
  const p = join(tempDir(), name);
  writeFileSync(p, JSON.stringify(doc));
  return p;
}

describe('satdifuser tiles', () => {
  it('--json: the whole sample in 256-pixel tiles with 32 overlap is a 2×2 grid with partitioning cores', () => {
    const r = cli(['tiles', sampleScene, '--tile', '256', '--overlap', '32', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ tileSize: 256, overlap: 32, stride: 224, rows: 2, cols: 2, count: 4, epsg: 31985, extent: { x: 0, y: 0, width: 349, height: 352 } });
    expect(j.tiles.map((t: any) => t.window)).toEqual([
      { x: 0, y: 0, width: 256, height: 256 }, { x: 93, y: 0, width: 256, height: 256 },
      { x: 0, y: 96, width: 256, height: 256 }, { x: 93, y: 96, width: 256, height: 256 },
    ]);
    // Cores split the overlaps in the middle: x at (93 + 256) / 2 = 174, y at (96 + 256) / 2 = 176.
    expect(j.tiles.map((t: any) => t.core)).toEqual([
      { x: 0, y: 0, width: 174, height: 176 }, { x: 174, y: 0, width: 175, height: 176 },
      { x: 0, y: 176, width: 174, height: 176 }, { x: 174, y: 176, width: 175, height: 176 },
    ]);
    expect(j.tiles[3].transform[0]).toBeCloseTo(288776.25 + 93 * 28.5, 3);
    expect(j.tiles[3].transform[3]).toBeCloseTo(9120760.75 - 96 * 28.5, 3);
  });

  it('text output: summary line and one row per tile', () => {
    const r = cli(['tiles', sampleScene, '--tile', '128', '--overlap', '16']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^9 tile\(s\) of 128×128 px \(grid 3 rows × 3 cols\), overlap 16 px, stride 112 px/);
    expect(r.stdout.trim().split('\n')).toHaveLength(2 + 9);
  });

  it('--aoi in WGS 84 (no crs member) selects the tiles under it', () => {
    // A small box near the scene centre (−34.871°, −7.995°).
    const box = { type: 'Polygon', coordinates: [[[-34.875, -7.99], [-34.868, -7.99], [-34.868, -7.998], [-34.875, -7.998], [-34.875, -7.99]]] };
    const r = cli(['tiles', sampleScene, '--aoi', aoiFile('box.geojson', { type: 'Feature', geometry: box, properties: {} }), '--tile', '64', '--overlap', '0', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.count).toBeGreaterThanOrEqual(1);
    expect(j.count).toBeLessThanOrEqual(4);
    // The extent is the AOI's bounding box in pixels (about 27×31 px at 28.5 m), inside the raster.
    expect(j.extent.width).toBeGreaterThan(20);
    expect(j.extent.width).toBeLessThan(40);
    for (const t of j.tiles) expect(t.window.width).toBe(64);
  });

  it('--aoi with a crs member in the raster CRS', () => {
    const t = JSON.parse(cli(['info', sampleScene, '--json']).stdout).transform as number[];
    const at = (c: number, r: number): number[] => [t[0] + c * t[1], t[3] + r * t[5]];
    const doc = { type: 'Polygon', crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::31985' } },
      coordinates: [[at(100, 100), at(150, 100), at(150, 140), at(100, 140), at(100, 100)]] };
    const r = cli(['tiles', sampleScene, '--aoi', aoiFile('utm.geojson', doc), '--tile', '32', '--overlap', '0', '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).extent).toEqual({ x: 100, y: 100, width: 50, height: 40 });
  });

  it('errors: AOI outside the raster (exit 1), bad options (exit 2), missing AOI file (exit 1)', () => {
    const far = { type: 'Polygon', coordinates: [[[10, 10], [11, 10], [11, 11], [10, 10]]] };
    const out = cli(['tiles', sampleScene, '--aoi', aoiFile('far.geojson', far)]);
    expect(out.status).toBe(1);
    expect(out.stderr).toMatch(/does not overlap/);
    expect(cli(['tiles', sampleScene, '--tile', 'big']).status).toBe(2);
    expect(cli(['tiles', sampleScene, '--tile', '256', '--overlap', '200']).status).toBe(2);
    expect(cli(['tiles', sampleScene, '--aoi', join(tempDir(), 'missing.geojson')]).status).toBe(1);
  });
});
