// `satdifuser demo` (and `npm run demo`): inspects and tiles the bundled sample scene.
import { describe, expect, it } from 'vitest';
import { cli } from './rasterCli';

describe('satdifuser demo', () => {
  it('prints the scene summary, the grid and every tile read', () => {
    const r = cli(['demo']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('Size is 349, 352');
    expect(r.stdout).toContain('EPSG:31985');
    expect(r.stdout).toMatch(/Tile grid: 4 tile\(s\) of 256×256 px \(grid 2 rows × 2 cols\), overlap 32 px/);
    expect(r.stdout).toMatch(/2–98 % stretch \(from full resolution \(349×352\)\): B1 \d+–\d+/);
    expect(r.stdout.match(/^tile \d \(row \d, col \d\) window/gm)).toHaveLength(4);
    // Not a terminal: plain progress lines on stderr, ending with the summary.
    expect(r.stderr).toMatch(/Reading tiles: done in [\d.]+s — 4 tiles read/);
  });
});
