// Projects in the browser: save → new → open restores layers, style and labels; a crash (page reload without
// saving) offers the autosaved copy, which restores the work; a GeoJSON dropped on the map becomes a layer.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { goToFolder, openApp, regionStats, type Session } from './harness';

let s: Session;
beforeAll(async () => {
  s = await openApp('projects');
  s.page.on('dialog', (d) => void d.accept());
  await s.page.evaluate(() => localStorage.setItem('satdifuser.autosaveSeconds', '2'));
  await s.page.reload();
  await s.page.waitForSelector('.statusbar .conn.open');
});
afterAll(async () => {
  await s?.close();
});

const content = () => s.page.evaluate(() => (window as any).__sdfModel.project.get().content);
const projectState = () => s.page.evaluate(() => {
  const p = (window as any).__sdfModel.project.get();
  return { dirty: p.dirty, path: p.path };
});

async function chooseInDialog(folder: string, name: string, mode: 'open' | 'save') {
  await s.page.waitForSelector('[data-testid=file-dialog]');
  await goToFolder(s.page, folder);
  await s.page.waitForSelector('[data-testid=file-dialog] [data-name="data"]');
  if (mode === 'save') await s.page.fill('.save-name', name);
  else await s.page.click(`[data-name="${name}"]`);
  await s.page.click('[data-testid=file-accept]');
}

async function waitForImagery() {
  let stats = { mean: 0, std: 0 };
  for (let i = 0; i < 60 && stats.std < 20; i++) {
    await s.page.waitForTimeout(250);
    stats = await regionStats(s.page, '[data-testid=map]');
  }
  expect(stats.std).toBeGreaterThan(20);
}

async function menu(title: string, command: string) {
  await s.page.click(`.menu-title:text("${title}")`);
  await s.page.click(`[data-command="${command}"]`);
}

describe('projects', () => {
  it('saves, starts a new project, and reopens the saved one with its layers, style and labels', async () => {
    await s.page.click('[data-testid=add-sample]');
    await s.page.waitForSelector('[data-layer-id]');
    await s.page.evaluate(() => {
      const m = (window as any).__sdfModel;
      const c = m.project.get().content;
      const ring = [[290000, 9115000], [291000, 9115000], [291000, 9116000], [290000, 9115000]];
      m.perform({ id: 'test.label', label: 'add', apply: (x: any) => ({ ...x, labels: [{ id: 'L1', classId: 2, geometry: { type: 'Polygon', coordinates: [ring] } }] }) }, null);
      return c.layers.length;
    });
    await menu('Project', 'project.saveAs');
    await chooseInDialog(s.workDir, 'site', 'save');
    await s.page.waitForFunction(() => (window as any).__sdfModel.project.get().path?.endsWith('site.sdfproj'));
    expect(await projectState()).toMatchObject({ dirty: false });

    await menu('Project', 'project.new');
    await s.page.waitForSelector('.map-empty');
    expect((await content()).layers).toHaveLength(0);

    await menu('Project', 'project.open');
    await chooseInDialog(s.workDir, 'site.sdfproj', 'open');
    await s.page.waitForSelector('[data-layer-id]');
    const c = await content();
    expect(c.layers[0].name).toBe('L7_ETMs.tif');
    expect(c.labels.map((l: { id: string }) => l.id)).toEqual(['L1']);
    await waitForImagery();
    await s.shot('reopened');
  });

  it('offers the autosaved copy after a crash and restores the unsaved work', async () => {
    await s.page.click('[data-tab=labels]');
    await s.page.click('text=Add class');
    const classes = (await content()).classes.length;
    // Wait for an autosave (every 2 s here), then "crash": reload without saving.
    await s.page.waitForTimeout(3500);
    await s.page.reload();
    await s.page.waitForSelector('.statusbar .conn.open');
    await s.page.waitForSelector('.modal[aria-label="Recover unsaved work"]');
    await s.shot('recovery-offer');
    await s.page.click('.recovery-list button.primary');
    await s.page.waitForSelector('[data-layer-id]');
    const c = await content();
    expect(c.classes).toHaveLength(classes);
    expect(await projectState()).toEqual({ dirty: true, path: join(s.workDir, 'site.sdfproj') });
    await waitForImagery();
  });

  it('adds a GeoJSON dropped on the map as a vector layer (uploaded to the engine in web mode)', async () => {
    const gj = JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: { name: 'x' }, geometry: { type: 'Polygon', coordinates: [[[-34.88, -8.01], [-34.86, -8.01], [-34.86, -7.99], [-34.88, -8.01]]] } }] });
    writeFileSync(join(s.workDir, 'dropped.geojson'), gj);
    await s.page.evaluate((text) => {
      const dt = new DataTransfer();
      dt.items.add(new File([text], 'dropped.geojson', { type: 'application/geo+json' }));
      const target = document.querySelector('.map-wrap')!;
      target.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
      target.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, gj);
    await s.page.waitForSelector('[data-kind=vector]');
    const c = await content();
    const layer = c.layers.find((l: { kind: string }) => l.kind === 'vector');
    expect(layer.name).toBe('dropped');
    expect(layer.path).toContain(join(s.dataDir, 'uploads'));
    await s.shot('dropped-vector');
  });

  it('logged no page errors', () => {
    expect(s.errors).toEqual([]);
  });
});
