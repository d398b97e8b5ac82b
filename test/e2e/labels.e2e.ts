// Journey 2 (as far as the engine goes today): draw labels in two classes on the sample scene → counts per
// class → undo/redo → select and delete → import labels from a GeoJSON (WGS 84, reprojected by the engine) →
// training on the default backbone shows progress and Cancel stops it without losing labels. Screenshots in test-results/e2e/.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drawPolygon, goToFolder, openApp, type Session } from './harness';

let s: Session;
beforeAll(async () => {
  s = await openApp('labels');
  await s.page.click('[data-testid=add-sample]');
  await s.page.waitForSelector('[data-layer-id]');
  await s.page.waitForTimeout(1000);
});
afterAll(async () => {
  await s?.close();
});

const content = () => s.page.evaluate(() => (window as any).__sdfModel.project.get().content);

const classRow = (name: string) => s.page.locator('[data-testid=class-list] li', { has: s.page.locator(`input.class-name[value="${name}"]`) });

describe('labelling', () => {
  it('draws one polygon per class with the active class, and counts them', async () => {
    await s.page.click('[data-tab=labels]');
    await classRow('Vegetation').locator('input[type=radio]').check();
    await s.page.click('[data-testid=label-draw]');
    await drawPolygon(s.page, [[0.3, 0.2], [0.4, 0.2], [0.4, 0.3], [0.3, 0.3]], 80, 200);
    await classRow('Water').locator('input[type=radio]').check();
    await drawPolygon(s.page, [[0.8, 0.8], [0.9, 0.8], [0.9, 0.9], [0.8, 0.9]], 80, 200);
    const c = await content();
    expect(c.labels.map((l: { classId: number }) => l.classId)).toEqual([1, 2]);
    await expect(classRow('Vegetation').locator('.count').textContent()).resolves.toBe('1');
    await expect(classRow('Water').locator('.count').textContent()).resolves.toBe('1');
    await expect(s.page.locator('[data-testid=label-summary]').textContent()).resolves.toMatch(/^2 polygons in 2 classes/);
    // The drawn ring closes on its first vertex and lies inside the scene's extent.
    const ring: [number, number][] = c.labels[0].geometry.coordinates[0];
    expect(ring).toHaveLength(5);
    expect(c.labels[1].geometry.coordinates[0]).toHaveLength(5);
    expect(ring[0]).toEqual(ring[ring.length - 1]);
    for (const [x, y] of ring) {
      expect(x).toBeGreaterThan(288776);
      expect(y).toBeLessThan(9120761);
    }
    await s.shot('two-classes');
  });

  it('undoes and redoes a label with Ctrl+Z / Ctrl+Y', async () => {
    await s.page.click('[data-tool=pan]');
    await s.page.keyboard.press('Control+z');
    expect((await content()).labels).toHaveLength(1);
    await s.page.keyboard.press('Control+y');
    expect((await content()).labels).toHaveLength(2);
  });

  it('selects a label on the map and deletes it with Delete', async () => {
    await s.page.click('[data-tab=labels]');
    await s.page.click('text=Select / edit');
    const box = (await s.page.locator('[data-testid=map]').boundingBox())!;
    await s.page.mouse.click(box.x + box.width * 0.85, box.y + box.height * 0.85);
    // A single click is only known once the double-click delay has passed.
    await s.page.waitForTimeout(700);
    expect(await s.page.evaluate(() => (window as any).__sdfModel.ui.get().selectedLabelIds.length)).toBe(1);
    await s.shot('selected');
    await s.page.keyboard.press('Delete');
    const c = await content();
    expect(c.labels.map((l: { classId: number }) => l.classId)).toEqual([1]);
  });

  it('imports labels from a WGS 84 GeoJSON, creating classes from an attribute', async () => {
    // Two polygons around the scene centre (gdalinfo: 34°52'16.58"W, 7°59'43.35"S), in lon/lat.
    const sq = (lon: number, lat: number, d: number) => [[[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]];
    const file = join(s.workDir, 'field-labels.geojson');
    writeFileSync(file, JSON.stringify({ type: 'FeatureCollection', features: [
      { type: 'Feature', properties: { landcover: 'Mangrove' }, geometry: { type: 'Polygon', coordinates: sq(-34.875, -8.0, 0.004) } },
      { type: 'Feature', properties: { landcover: 'water' }, geometry: { type: 'Polygon', coordinates: sq(-34.86, -7.99, 0.003) } },
      { type: 'Feature', properties: { landcover: 'Road' }, geometry: { type: 'LineString', coordinates: [[-34.87, -8.0], [-34.86, -8.0]] } },
    ] }));
    await s.page.click('[data-tool=pan]');
    await s.page.click('text=Import labels…');
    await s.page.waitForSelector('[data-testid=file-dialog]');
    await goToFolder(s.page, s.workDir);
    await s.page.click('[data-name="field-labels.geojson"]');
    await s.page.click('[data-testid=file-accept]');
    await s.page.waitForSelector('.modal[aria-label^="Import labels"]');
    await s.page.selectOption('[data-testid=import-field]', 'landcover');
    await expect(s.page.locator('[data-testid=import-plan]').textContent()).resolves.toMatch(/3 distinct values: Mangrove, Road, water\. New classes: Mangrove\./);
    await expect(s.page.locator('[data-testid=import-skipped]').textContent()).resolves.toMatch(/^1 feature is/);
    await s.shot('import-dialog');
    await s.page.click('.modal-footer button.primary');
    const c = await content();
    const mangrove = c.classes.find((k: { name: string }) => k.name === 'Mangrove');
    expect(mangrove).toBeDefined();
    expect(c.labels).toHaveLength(3);
    // "Road" exists only on a line, which cannot be a label: it is skipped and creates no empty class.
    expect(c.classes.some((k: { name: string }) => k.name === 'Road')).toBe(false);
    const imported = c.labels.slice(1);
    expect(imported.map((l: { classId: number }) => l.classId)).toEqual([mangrove.id, 2]);
    // Reprojected into the project CRS (UTM 25S metres), near the scene centre (293749, 9115745).
    const [x, y] = imported[0].geometry.coordinates[0][0];
    expect(Math.abs(x - 293749)).toBeLessThan(5000);
    expect(Math.abs(y - 9115745)).toBeLessThan(5000);
    await s.shot('imported');
  });

  it('trains on the default diffusion backbone with progress, and Cancel stops it and keeps the labels', async () => {
    const before = await content();
    await s.page.click('[data-tab=train]');
    // The shipped backbone (models/satdifuser-tiny) is the default choice; 500 epochs cannot finish before Cancel.
    await expect(s.page.locator('[data-testid=backbone] option[value=""]').textContent()).resolves.toBe('Default SatDiFuser backbone');
    await s.page.fill('[data-testid=train-epochs]', '500');
    await s.page.click('[data-testid=train]');
    const progress = s.page.locator('[data-testid=training-panel] [data-testid=job-progress]');
    await progress.waitFor();
    await s.shot('train-progress');
    await progress.locator('button.danger').click();
    const cancelled = s.page.locator('[data-testid=training-panel] [data-testid=job-cancelled]');
    await cancelled.waitFor({ timeout: 60_000 });
    await expect(cancelled.textContent()).resolves.toMatch(/^Cancelled after \d+ of \d+/);
    // Nothing the user made is lost: the same labels and classes, and no half-trained head in the list.
    const after = await content();
    expect(after.labels).toEqual(before.labels);
    expect(after.classes).toEqual(before.classes);
    await expect(s.page.locator('[data-testid=train-result]').count()).resolves.toBe(0);
    await s.shot('train-cancelled');
  });

  it('logged no page errors', () => {
    expect(s.errors).toEqual([]);
  });
});
