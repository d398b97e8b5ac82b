// Journey 1 (as far as the engine goes today): open the sample scene → the imagery is drawn from the engine's
// bytes → status bar → band combination → draw an analysis area → undo/redo → identify a pixel (checked against
// GDAL) → run segmentation (the engine's answer is shown in the panel) → save the project through the in-app
// file browser. Screenshots of each step go to test-results/e2e/.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changedShare, goToFolder, openApp, regionPixels, regionStats, type Session } from './harness';

const sample = join(process.cwd(), 'resources', 'sample', 'L7_ETMs.tif');
let s: Session;

beforeAll(async () => {
  s = await openApp('open-draw-area');
});
afterAll(async () => {
  await s?.close();
});

const content = () => s.page.evaluate(() => (window as any).__sdfModel.project.get().content);
const toPixel = (x: number, y: number) => s.page.evaluate(([x, y]) => (window as any).__sdfMap.map.getPixelFromCoordinate([x, y]), [x, y] as const);

async function mapBox() {
  const box = await s.page.locator('[data-testid=map]').boundingBox();
  if (!box) throw new Error('no map');
  return box;
}

describe('open → draw area', () => {
  it('starts empty, connected, with the engine reporting its execution provider', async () => {
    await s.page.waitForSelector('.map-empty');
    await expect(s.page.locator('[data-testid=provider]').textContent()).resolves.toMatch(/Engine: /);
    await s.shot('empty');
  });

  it('opens the sample scene through the engine and draws it', async () => {
    const hide = await s.page.addStyleTag({ content: '.map-empty { display: none !important; }' });
    const blank = await regionStats(s.page, '[data-testid=map]');
    await hide.evaluate((el: HTMLStyleElement) => el.remove());
    await s.page.click('[data-testid=add-sample]');
    await s.page.waitForSelector('[data-layer-id]');
    await expect(s.page.locator('.layer-name').first().textContent()).resolves.toBe('L7_ETMs.tif');
    await expect(s.page.locator('[data-testid=crs]').textContent()).resolves.toContain('EPSG:31985');
    // Wait until the WebGL layer has drawn real imagery (a textured image, not the flat background).
    let stats = blank;
    for (let i = 0; i < 60 && stats.std < 20; i++) {
      await s.page.waitForTimeout(250);
      stats = await regionStats(s.page, '[data-testid=map]');
    }
    expect(blank.std).toBeLessThan(15);
    expect(stats.std).toBeGreaterThan(20);
    const c = await content();
    expect(c.crs).toBe('EPSG:31985');
    expect(c.layers[0].style.bands).toEqual([0, 1, 2]);
    await s.shot('sample-open');
  });

  it('shows the cursor in the map CRS and in lon/lat, and the scale', async () => {
    const box = await mapBox();
    await s.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await s.page.waitForTimeout(200);
    const coords = await s.page.locator('[data-testid=coords]').textContent();
    const [x, y] = coords!.split(',').map((v) => Number(v.trim()));
    // The scene covers x 288776–298723, y 9110729–9120761 (gdalinfo); the map centre is on it.
    expect(x).toBeGreaterThan(288776);
    expect(x).toBeLessThan(298723);
    expect(y).toBeGreaterThan(9110729);
    expect(y).toBeLessThan(9120761);
    await expect(s.page.locator('[data-testid=lonlat]').textContent()).resolves.toMatch(/^[78]°\d\d'[\d.]+"S 34°\d\d'[\d.]+"W$/);
    await expect(s.page.locator('[data-testid=scale]').textContent()).resolves.toMatch(/^1:[\d,]+$/);
  });

  it('changes the band combination to natural colour (3-2-1) in the style dialog', async () => {
    await s.page.click('.layer-name');
    await s.page.click('button[title^="Style"]');
    const selects = s.page.locator('.style-bands select');
    await selects.nth(0).selectOption('2');
    await selects.nth(2).selectOption('0');
    await s.page.click('.modal-footer button.primary');
    expect((await content()).layers[0].style.bands).toEqual([2, 1, 0]);
    await s.page.waitForTimeout(1500);
    await s.shot('natural-colour');
  });

  it('draws a rectangular analysis area, and undo/redo remove and restore it', async () => {
    await s.page.click('[data-tool=aoiRect]');
    const box = await mapBox();
    const from = { x: box.x + box.width * 0.35, y: box.y + box.height * 0.35 };
    const to = { x: box.x + box.width * 0.6, y: box.y + box.height * 0.6 };
    await s.page.mouse.move(from.x, from.y);
    await s.page.mouse.down();
    await s.page.mouse.move((from.x + to.x) / 2, (from.y + to.y) / 2, { steps: 5 });
    await s.page.mouse.move(to.x, to.y, { steps: 5 });
    await s.page.mouse.up();
    await s.page.waitForTimeout(300);
    const c = await content();
    expect(c.aoi.crs).toBe('EPSG:31985');
    const ring: [number, number][] = c.aoi.geometry.coordinates[0];
    const xs = ring.map((p) => p[0]);
    const ys = ring.map((p) => p[1]);
    // The box's corners map back to the pixels we dragged between.
    const a = await toPixel(Math.min(...xs), Math.max(...ys));
    const b = await toPixel(Math.max(...xs), Math.min(...ys));
    expect(a[0] + box.x).toBeCloseTo(from.x, 0);
    expect(a[1] + box.y).toBeCloseTo(from.y, 0);
    expect(b[0] + box.x).toBeCloseTo(to.x, 0);
    expect(b[1] + box.y).toBeCloseTo(to.y, 0);
    const areaKm2 = ((Math.max(...xs) - Math.min(...xs)) * (Math.max(...ys) - Math.min(...ys))) / 1e6;
    await expect(s.page.locator('[data-testid=aoi-status]').textContent()).resolves.toContain(`${areaKm2.toFixed(4)} km²`);
    await s.shot('area-drawn');
    await s.page.click('[data-testid=undo]');
    expect((await content()).aoi).toBeNull();
    await s.page.keyboard.press('Control+y');
    expect((await content()).aoi).not.toBeNull();
  });

  it('identifies a pixel: the values equal gdallocationinfo at the same coordinate', async () => {
    await s.page.click('[data-tool=identify]');
    const box = await mapBox();
    const px = { x: box.width * 0.7, y: box.height * 0.3 };
    await s.page.mouse.click(box.x + px.x, box.y + px.y);
    await s.page.waitForSelector('[data-testid=identify] table');
    const [x, y] = await s.page.evaluate(([u, v]) => (window as any).__sdfMap.map.getCoordinateFromPixel([u, v]), [px.x, px.y] as const);
    const gdal = execFileSync('gdallocationinfo', ['-valonly', '-geoloc', sample, String(x), String(y)], { encoding: 'utf8' }).trim().split(/\s+/).map(Number);
    const shown = await s.page.locator('[data-testid=identify] tbody tr td').allTextContents();
    expect(shown.slice(1).map(Number)).toEqual(gdal);
    await s.shot('identify');
  });

  it('asks for a head when Run is pressed with none for the chosen fusion, in the Analyse panel', async () => {
    await s.page.click('[data-tool=pan]');
    // The shipped head is a Global Weighted one: with Localized Weighted fusion there is no head to run.
    const fusion = s.page.locator('[data-testid=analyse-fusion]');
    await fusion.selectOption('lw');
    await expect(s.page.locator('[data-testid=analyse-head]').inputValue()).resolves.toBe('');
    await s.page.click('[data-testid=run-segment]');
    const alert = s.page.locator('[data-testid=analyse-panel] [role=alert]');
    await alert.waitFor();
    // No head is trained in this journey (trainSegment.e2e.ts trains one and segments): the engine says what to
    // do, in the panel where the user clicked, and no layer appears.
    await expect(alert.getAttribute('data-code')).resolves.toBe('INVALID_ARGUMENT');
    await expect(alert.textContent()).resolves.toMatch(/Choose a head to segment with.*Train one in the Training panel/);
    expect((await content()).layers.filter((l: { kind: string }) => l.kind === 'mask')).toHaveLength(0);
    await s.shot('segment-answer');
    await fusion.selectOption('gw');
  });

  it('saves the project through the in-app file browser (web mode), atomically', async () => {
    await s.page.keyboard.press('Control+s');
    await s.page.waitForSelector('[data-testid=file-dialog]');
    await goToFolder(s.page, s.workDir);
    // The listing has moved to the work folder once its data/ subfolder (the engine's COG cache) shows.
    await s.page.waitForSelector('[data-testid=file-dialog] [data-name="data"]');
    await s.page.fill('.save-name', 'olinda');
    await s.shot('save-dialog');
    await s.page.click('[data-testid=file-accept]');
    const file = join(s.workDir, 'olinda.sdfproj');
    for (let i = 0; i < 40 && !existsSync(file); i++) await s.page.waitForTimeout(100);
    const saved = JSON.parse(readFileSync(file, 'utf8'));
    expect(saved.layers[0].style.bands).toEqual([2, 1, 0]);
    expect(saved.aoi.geometry.type).toBe('Polygon');
    // The title follows once the engine has answered the save (the file can appear a moment earlier).
    await expect.poll(() => s.page.title(), { timeout: 5000 }).toBe('olinda.sdfproj — SatDiFuser Studio');
  });

  it('segments the drawn area with the head shipped with the default backbone, and shows the mask', async () => {
    // Journey 1 without any training: the default backbone's demonstration head is offered in the Analyse panel.
    await s.page.click('[data-tab=analyse]');
    const shipped = await s.page.locator('[data-testid=analyse-head] option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value).filter((v) => v.startsWith('default:')));
    expect(shipped.length).toBeGreaterThan(0);
    // Preselected: a first run needs no choice.
    expect(await s.page.locator('[data-testid=analyse-head]').inputValue()).toBe(shipped[0]);
    const before = await regionPixels(s.page, '[data-testid=map]');
    await s.page.click('[data-testid=run-segment]');
    await s.page.waitForSelector('[data-kind=mask]', { timeout: 120_000 });
    await s.page.waitForSelector('[data-testid=analyse-panel] [data-testid=job-done]');
    await s.page.waitForTimeout(1000);
    const mask = (await content()).layers.find((l: { kind: string }) => l.kind === 'mask');
    expect(mask.classes.map((k: { name: string }) => k.name)).toEqual(expect.arrayContaining(['water', 'vegetation']));
    // The mask (class colours at 70 % opacity) covers the area drawn earlier in this journey, about 7 % of the map
    // view: nearly all of it changes colour, nothing outside it does (no mask layer: 0 %).
    const share = changedShare(before, await regionPixels(s.page, '[data-testid=map]'));
    await s.shot('default-head-mask');
    expect(share).toBeGreaterThan(0.05);
    expect(share).toBeLessThan(0.15);
  });

  it('logged no page errors', () => {
    expect(s.errors).toEqual([]);
  });
});
