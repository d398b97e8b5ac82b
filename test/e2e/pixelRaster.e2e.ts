// An image without georeferencing (a PNG of the sample scene, its .aux.xml removed) in the app: it opens in a
// pixel CRS (column/row, y down, px) and is drawn; the status bar shows pixel coordinates and no lon/lat;
// identify, the analysis area and labels are in pixel coordinates; the Training panel estimates the run before
// Train; train → segment draws the mask on the image; the export dialog says the files have no CRS and GDAL
// reads a GeoPackage in pixel coordinates back. Screenshots in test-results/e2e/pixel-raster-*.png.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { goToFolder, labelForestAndSea, openApp, regionStats, type Session } from './harness';

const sample = join(process.cwd(), 'resources', 'sample', 'L7_ETMs.tif');
const W = 349, H = 352;
let s: Session;
let png = '';
let raw: Buffer;

beforeAll(async () => {
  s = await openApp('pixel-raster');
  png = join(s.workDir, 'olinda.png');
  execFileSync('gdal_translate', ['-q', '-of', 'PNG', '-b', '3', '-b', '2', '-b', '1', sample, png]);
  execFileSync('rm', ['-f', `${png}.aux.xml`]);
  execFileSync('gdal_translate', ['-q', '-of', 'ENVI', '-co', 'INTERLEAVE=BSQ', png, join(s.workDir, 'png.bin')]);
  raw = readFileSync(join(s.workDir, 'png.bin'));
});
afterAll(async () => {
  await s?.close();
});

const content = () => s.page.evaluate(() => (window as any).__sdfModel.project.get().content);
const fromScreen = (u: number, v: number) => s.page.evaluate(([u, v]) => (window as any).__sdfMap.map.getCoordinateFromPixel([u, v]) as [number, number], [u, v] as const);
const mapBox = async () => (await s.page.locator('[data-testid=map]').boundingBox())!;

/** Shares of pixels whose colour changed by more than 40 (any channel), inside and outside a screen box. */
async function changedShares(a: Buffer, b: Buffer, r: { x0: number; y0: number; x1: number; y1: number }): Promise<{ inside: number; outside: number }> {
  const { PNG } = await import('pngjs');
  const pa = PNG.sync.read(a), pb = PNG.sync.read(b);
  let inN = 0, inC = 0, outN = 0, outC = 0;
  for (let y = 0; y < pa.height; y++) {
    for (let x = 0; x < pa.width; x++) {
      const i = (y * pa.width + x) * 4;
      const changed = [0, 1, 2].some((c) => Math.abs(pa.data[i + c]! - pb.data[i + c]!) > 40);
      // A margin of 4 px around the box edge (the dashed outline, antialiasing) counts to neither side.
      const inBox = x > r.x0 + 4 && x < r.x1 - 4 && y > r.y0 + 4 && y < r.y1 - 4;
      const outBox = x < r.x0 - 4 || x > r.x1 + 4 || y < r.y0 - 4 || y > r.y1 + 4;
      if (inBox) { inN++; if (changed) inC++; } else if (outBox) { outN++; if (changed) outC++; }
    }
  }
  return { inside: inC / Math.max(1, inN), outside: outC / Math.max(1, outN) };
}

describe('an image without georeferencing', () => {
  it('opens in a pixel CRS and is drawn', async () => {
    await s.page.click('[data-testid=add-raster]');
    await s.page.waitForSelector('[data-testid=file-dialog]');
    await goToFolder(s.page, s.workDir);
    await s.page.click('[data-name="olinda.png"]');
    await s.page.click('[data-testid=file-accept]');
    await s.page.waitForSelector('[data-layer-id]');
    await expect(s.page.locator('[data-testid=crs]').textContent()).resolves.toBe('No CRS · pixel coordinates');
    expect((await content()).crs).toBe('PIXEL');
    let stats = { mean: 0, std: 0 };
    for (let i = 0; i < 60 && stats.std < 20; i++) {
      await s.page.waitForTimeout(250);
      stats = await regionStats(s.page, '[data-testid=map]');
    }
    expect(stats.std).toBeGreaterThan(20);
    await s.shot('open');
  });

  it('shows the cursor in pixels, y down, with no lon/lat', async () => {
    const box = await mapBox();
    const at = { x: box.width * 0.5, y: box.height * 0.25 };
    await s.page.mouse.move(box.x + at.x, box.y + at.y);
    await s.page.waitForTimeout(250);
    const text = (await s.page.locator('[data-testid=coords]').textContent())!;
    const m = /^x ([\d.-]+) px, y ([\d.-]+) px$/.exec(text);
    expect(m, text).not.toBeNull();
    const [mx, my] = await fromScreen(at.x, at.y);
    expect(Number(m![1])).toBeCloseTo(mx, 0);
    // OpenLayers draws row r at y = H − r: the status bar shows the row.
    expect(Number(m![2])).toBeCloseTo(H - my, 0);
    expect(Number(m![2])).toBeLessThan(H / 2); // the upper part of the image has the small rows
    await expect(s.page.locator('[data-testid=lonlat]').textContent()).resolves.toBe('');
    await expect(s.page.locator('[data-testid=scale]').textContent()).resolves.toMatch(/^zoom \d+ %$/);
  });

  it('identifies the pixel under the click by column and row (the values GDAL reads there)', async () => {
    await s.page.click('[data-tool=identify]');
    const box = await mapBox();
    const at = { x: box.width * 0.62, y: box.height * 0.3 };
    await s.page.mouse.click(box.x + at.x, box.y + at.y);
    await s.page.waitForSelector('[data-testid=identify] table');
    const [mx, my] = await fromScreen(at.x, at.y);
    const col = Math.floor(mx), row = Math.floor(H - my);
    const shown = await s.page.locator('[data-testid=identify] tbody tr td').allTextContents();
    expect(shown.slice(1).map(Number)).toEqual([0, 1, 2].map((b) => raw[b * W * H + row * W + col]));
    await s.page.click('[data-tool=pan]');
  });

  it('labels two classes in pixel coordinates and estimates the training run before Train', async () => {
    await s.page.click('[data-tab=labels]');
    await s.page.click('[data-testid=label-draw]');
    await labelForestAndSea(s.page);
    await s.page.click('[data-tool=pan]');
    const c = await content();
    expect(c.labels).toHaveLength(6);
    // Rows grow downwards: the forest squares (top of the screen) have smaller rows than the water ones.
    const meanRow = (l: { geometry: { coordinates: [number, number][][] } }) => l.geometry.coordinates[0]!.reduce((a, p) => a + p[1], 0) / 5;
    expect(meanRow(c.labels[0])).toBeLessThan(meanRow(c.labels[3]));
    for (const l of c.labels) for (const [x, y] of l.geometry.coordinates[0]) {
      expect(x).toBeGreaterThanOrEqual(-1);
      expect(y).toBeGreaterThanOrEqual(-1);
      expect(x).toBeLessThanOrEqual(W + 1);
      expect(y).toBeLessThanOrEqual(H + 1);
    }
    await s.page.click('[data-tab=train]');
    await s.page.selectOption('[data-testid=backbone]', 'pixels');
    await s.page.fill('[data-testid=train-epochs]', '3');
    await s.page.click('[data-testid=train-estimate]');
    await s.page.waitForSelector('[data-testid=train-estimate-result]', { timeout: 60_000 });
    const lines = await s.page.locator('[data-testid=train-estimate-result] li').allTextContents();
    expect(lines[0]).toMatch(/^\d+ labelled tiles? → \d+ training samples? of \d+ px, batch \d+$/);
    expect(lines[1]).toMatch(/^at most [\d,]+ steps \(\d+ × 3 epochs/);
    expect(lines[2]).toMatch(/head parameters; up to \d+ MiB of memory/);
    // Nothing was trained in this fresh data folder yet: the estimate says the time is not known.
    expect(lines[3]).toMatch(/time unknown until a first training run is measured/);
    await s.shot('estimate');
  });

  it('trains a light head, then the estimate uses the measured step time', { timeout: 400_000 }, async () => {
    await s.page.click('[data-testid=train]');
    await s.page.waitForSelector('[data-testid=train-result]', { timeout: 380_000 });
    await s.page.click('[data-testid=apply-head]');
    await s.page.click('[data-testid=train-estimate]');
    await expect.poll(async () => (await s.page.locator('[data-testid=train-estimate-result] li').allTextContents())[3] ?? '', { timeout: 60_000 }).toMatch(/^up to \d+ (s|min) \(\d+ ms per step, measured/);
    await s.shot('trained');
  });

  it('segments an area drawn in pixel coordinates and draws the mask on the image', async () => {
    await s.page.click('[data-tab=analyse]');
    await s.page.click('[data-tool=aoiRect]');
    const box = await mapBox();
    await s.page.mouse.move(box.x + box.width * 0.2, box.y + box.height * 0.15);
    await s.page.mouse.down();
    await s.page.mouse.move(box.x + box.width * 0.8, box.y + box.height * 0.85, { steps: 8 });
    await s.page.mouse.up();
    await s.page.click('[data-tool=pan]');
    const aoi = (await content()).aoi;
    expect(aoi.crs).toBe('PIXEL');
    const ys = aoi.geometry.coordinates[0].map((p: [number, number]) => p[1]);
    const [, topMapY] = await fromScreen(box.width * 0.5, box.height * 0.15);
    expect(Math.min(...ys)).toBeCloseTo(H - topMapY, 0);
    await expect(s.page.locator('[data-testid=aoi-status]').textContent()).resolves.toMatch(/px²/);
    const before = await s.page.locator('[data-testid=map]').screenshot();
    await s.page.click('[data-testid=run-segment]');
    await s.page.waitForSelector('[data-kind=mask]', { timeout: 120_000 });
    await s.page.waitForSelector('[data-testid=analyse-panel] [data-testid=job-done]');
    await s.page.waitForTimeout(1500);
    const after = await s.page.locator('[data-testid=map]').screenshot();
    // The mask (class colours at 70 % opacity) recolours the analysis area: a large share of the map's pixels
    // change, and only inside the area's screen box.
    const { inside, outside } = await changedShares(before, after, { x0: box.width * 0.2, y0: box.height * 0.15, x1: box.width * 0.8, y1: box.height * 0.85 });
    expect(inside).toBeGreaterThan(0.5);
    expect(outside).toBeLessThan(0.05);
    await s.shot('mask');
  });

  it('exports polygons with no CRS, says so, and GDAL reads them back in pixel coordinates', async () => {
    await s.page.keyboard.press('Control+e');
    await s.page.waitForSelector('.modal[aria-label="Export results"]');
    await expect(s.page.locator('[data-testid=export-no-crs]').textContent()).resolves.toMatch(/no georeferencing.*no CRS/);
    await expect(s.page.locator('[data-testid=export-format] option[value=geojson]').isDisabled()).resolves.toBe(true);
    await s.page.selectOption('[data-testid=export-format]', 'geopackage');
    const gpkg = join(s.workDir, 'pixels.gpkg');
    await s.page.fill('[data-testid=export-path]', gpkg);
    await s.page.click('[data-testid=export-preview]');
    await expect(s.page.locator('[data-testid=export-count]').textContent()).resolves.toMatch(/with no CRS \(pixel coordinates\)\.$/);
    await s.page.click('[data-testid=export-run]');
    await s.page.waitForSelector('[data-testid=export-written]', { timeout: 60_000 });
    await expect(s.page.locator('[data-testid=export-written]').textContent()).resolves.toMatch(/pixels\.gpkg.*no CRS: pixel coordinates/);
    await s.shot('export');
    const ogr = execFileSync('ogrinfo', ['-so', '-al', gpkg], { encoding: 'utf8' });
    expect(ogr).toMatch(/Undefined Cartesian SRS/);
    const aoi = (await content()).aoi.geometry.coordinates[0] as [number, number][];
    const extent = /Extent: \(([\d.]+), ([\d.]+)\) - \(([\d.]+), ([\d.]+)\)/.exec(ogr)!.slice(1).map(Number);
    // Polygons lie inside the analysis area, in columns and rows.
    expect(extent[0]).toBeGreaterThanOrEqual(Math.floor(Math.min(...aoi.map((p) => p[0]))));
    expect(extent[1]).toBeGreaterThanOrEqual(Math.floor(Math.min(...aoi.map((p) => p[1]))));
    expect(extent[2]).toBeLessThanOrEqual(Math.ceil(Math.max(...aoi.map((p) => p[0]))));
    expect(extent[3]).toBeLessThanOrEqual(Math.ceil(Math.max(...aoi.map((p) => p[1]))));
    await s.page.keyboard.press('Escape');
  });

  it('saves the pixel project, and reopens it in pixel coordinates with its labels where they were', async () => {
    const labelsBefore = (await content()).labels;
    const screenOf = (xy: [number, number]) => s.page.evaluate(([x, y]) => (window as any).__sdfMap.map.getPixelFromCoordinate([x, 352 - y]) as [number, number], xy);
    await s.page.click('.menu-title:text("Project")');
    await s.page.click('[data-command="project.saveAs"]');
    await s.page.waitForSelector('[data-testid=file-dialog]');
    await goToFolder(s.page, s.workDir);
    await s.page.waitForSelector('[data-testid=file-dialog] [data-name="data"]');
    await s.page.fill('.save-name', 'pixels');
    await s.page.click('[data-testid=file-accept]');
    await s.page.waitForFunction(() => (window as any).__sdfModel.project.get().path?.endsWith('pixels.sdfproj'));
    const saved = JSON.parse(readFileSync(join(s.workDir, 'pixels.sdfproj'), 'utf8'));
    expect(saved.crs).toBe('PIXEL');
    expect(saved.labels.crs).toBe('PIXEL');
    const before = await screenOf(labelsBefore[0].geometry.coordinates[0][0]);
    await s.page.click('.menu-title:text("Project")');
    await s.page.click('[data-command="project.new"]');
    await s.page.waitForSelector('.map-empty');
    await s.page.click('.menu-title:text("Project")');
    await s.page.click('[data-command="project.open"]');
    await s.page.waitForSelector('[data-testid=file-dialog]');
    await goToFolder(s.page, s.workDir);
    await s.page.click('[data-name="pixels.sdfproj"]');
    await s.page.click('[data-testid=file-accept]');
    await s.page.waitForSelector('[data-layer-id]');
    await expect.poll(() => s.page.evaluate(() => (window as any).__sdfMap.projectionCode), { timeout: 20_000 }).toBe('PIXEL:349x352');
    const c = await content();
    expect(c.crs).toBe('PIXEL');
    expect(c.labels).toEqual(labelsBefore);
    // The saved view comes back: the first label's corner is where it was on the screen.
    // (The view is restored once the reopened layer is set up, a moment after the projection switches: wait for it.)
    await expect.poll(async () => { const p = await screenOf(c.labels[0].geometry.coordinates[0][0]); return Math.abs(p[0] - before[0]) < 0.5 && Math.abs(p[1] - before[1]) < 0.5; }, { timeout: 10_000 }).toBe(true);
    const after = await screenOf(c.labels[0].geometry.coordinates[0][0]);
    expect(after[0]).toBeCloseTo(before[0], 0);
    expect(after[1]).toBeCloseTo(before[1], 0);
    await expect(s.page.locator('[data-testid=crs]').textContent()).resolves.toBe('No CRS · pixel coordinates');
    await s.page.waitForTimeout(1500);
    await s.shot('reopened');
  });

  it('refuses the georeferenced sample scene in this pixel project, in words', async () => {
    await s.page.click('[data-testid=add-raster]');
    await s.page.waitForSelector('[data-testid=file-dialog]');
    await goToFolder(s.page, join(process.cwd(), 'resources', 'sample'));
    await s.page.click('[data-name="L7_ETMs.tif"]');
    await s.page.click('[data-testid=file-accept]');
    await expect.poll(() => s.page.locator('body').textContent(), { timeout: 20_000 }).toMatch(/is georeferenced, but this project works in the pixel coordinates/);
    expect((await content()).layers.filter((l: { kind: string }) => l.kind === 'raster')).toHaveLength(1);
    await s.shot('refused');
  });

  it('logged no page errors', () => {
    expect(s.errors).toEqual([]);
  });
});
