// The e2e harness: `satdifuser serve` on a free port with a throw-away data folder, headless Debian Chromium
// through playwright-core (flags from docs/stack-notes), page errors collected, screenshots under test-results/.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--no-first-run', '--disable-quic', '--use-angle=swiftshader', '--enable-unsafe-swiftshader',
];

export const SHOTS = resolve('test-results', 'e2e');

export interface Session {
  readonly url: string;
  readonly origin: string;
  readonly dataDir: string;
  readonly workDir: string;
  readonly browser: Browser;
  readonly page: Page;
  readonly errors: string[];
  shot(name: string): Promise<string>;
  close(): Promise<void>;
}

async function startServer(dataDir: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['bin/satdifuser.mjs', 'serve', '--port', '0'], {
    env: { ...process.env, SATDIFUSER_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not print a URL in 150 s:\n${out}`)), 150_000);
    const onData = (b: Buffer) => {
      out += b.toString();
      const m = /Open: (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolveUrl(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}:\n${out}`)));
  });
  return { url, child };
}

export async function openApp(name: string): Promise<Session> {
  mkdirSync(SHOTS, { recursive: true });
  const workDir = mkdtempSync(join(tmpdir(), `sdf-e2e-${name}-`));
  const dataDir = join(workDir, 'data');
  const { url, child } = await startServer(dataDir);
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true });
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  await page.goto(url);
  await page.waitForSelector('.statusbar .conn.open', { timeout: 30_000 });
  let n = 0;
  return {
    url, origin: new URL(url).origin, dataDir, workDir, browser, page, errors,
    async shot(label) {
      const file = join(SHOTS, `${name}-${String(++n).padStart(2, '0')}-${label}.png`);
      await page.screenshot({ path: file });
      return file;
    },
    async close() {
      await browser.close();
      child.kill('SIGINT');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

/** Mean and standard deviation of the RGB values in a screenshot region: blank map ≈ one flat colour. */
export async function regionStats(page: Page, selector: string): Promise<{ mean: number; std: number }> {
  const png = await regionPixels(page, selector);
  let s = 0;
  let s2 = 0;
  const n = png.width * png.height * 3;
  for (let i = 0; i < png.data.length; i += 4) {
    for (let c = 0; c < 3; c++) {
      const v = png.data[i + c]!;
      s += v;
      s2 += v * v;
    }
  }
  const mean = s / n;
  return { mean, std: Math.sqrt(Math.max(0, s2 / n - mean * mean)) };
}

/** A screenshot of a region as RGBA pixels, to compare what the map shows before and after an action. */
export async function regionPixels(page: Page, selector: string): Promise<{ width: number; height: number; data: Uint8Array }> {
  const { PNG } = await import('pngjs');
  const png = PNG.sync.read(await page.locator(selector).screenshot());
  return { width: png.width, height: png.height, data: new Uint8Array(png.data) };
}

/** Share of pixels whose colour moved by more than `threshold` (max over R, G, B) between two same-size shots. */
export function changedShare(a: { data: Uint8Array }, b: { data: Uint8Array }, threshold = 24): number {
  if (a.data.length !== b.data.length) throw new Error('screenshots differ in size');
  let changed = 0;
  for (let i = 0; i < a.data.length; i += 4) {
    const d = Math.max(Math.abs(a.data[i]! - b.data[i]!), Math.abs(a.data[i + 1]! - b.data[i + 1]!), Math.abs(a.data[i + 2]! - b.data[i + 2]!));
    if (d > threshold) changed++;
  }
  return changed / (a.data.length / 4);
}

/**
 * In the open file dialog, go to a folder as a user does: wait for its first listing, type the folder, Enter, and
 * wait until the dialog lists that folder.
 */
export async function goToFolder(page: Page, folder: string): Promise<void> {
  await page.waitForSelector('[data-testid=file-dialog]:not([data-listed=""])');
  await page.fill('[data-testid=file-path]', folder);
  await page.press('[data-testid=file-path]', 'Enter');
  const name = folder.replace(/[\\/]+$/, '').split(/[\\/]/).pop()!;
  await page.waitForFunction(([f, n]) => {
    const listed = document.querySelector('[data-testid=file-dialog]')?.getAttribute('data-listed') ?? '';
    return listed === f || listed.endsWith('/' + n) || listed.endsWith('\\' + n);
  }, [folder, name] as const);
}

/**
 * Draw a polygon on the map with the active drawing tool as a user does: click the vertices, double-click the last
 * one to finish. Points are fractions of the map's width and height.
 */
export async function drawPolygon(page: Page, points: readonly (readonly [number, number])[], pause = 60, settle = 150): Promise<void> {
  const box = (await page.locator('[data-testid=map]').boundingBox())!;
  for (const [fx, fy] of points.slice(0, -1)) {
    await page.mouse.click(box.x + box.width * fx, box.y + box.height * fy);
    await page.waitForTimeout(pause);
  }
  const [lx, ly] = points[points.length - 1]!;
  await page.mouse.dblclick(box.x + box.width * lx, box.y + box.height * ly);
  await page.waitForTimeout(settle);
}

/** A square label of half-size `half` (fraction of the map) centred at (cx, cy). */
export function drawSquare(page: Page, cx: number, cy: number, half: number): Promise<void> {
  return drawPolygon(page, [[cx - half, cy - half], [cx + half, cy - half], [cx + half, cy + half], [cx - half, cy + half]]);
}

/** The class row of the Labels panel whose name field holds `name`. */
export function classRow(page: Page, name: string) {
  return page.locator('[data-testid=class-list] li', { has: page.locator(`input.class-name[value="${name}"]`) });
}

/**
 * The journeys' training labels on the sample scene (or an image of it), with the label tool active: three squares
 * of forest (top left, class Vegetation) and three of sea (bottom right, class Water).
 */
export async function labelForestAndSea(page: Page): Promise<void> {
  await classRow(page, 'Vegetation').locator('input[type=radio]').check();
  await drawSquare(page, 0.14, 0.1, 0.035);
  await drawSquare(page, 0.3, 0.07, 0.03);
  await drawSquare(page, 0.12, 0.45, 0.03);
  await classRow(page, 'Water').locator('input[type=radio]').check();
  await drawSquare(page, 0.82, 0.85, 0.04);
  await drawSquare(page, 0.88, 0.62, 0.03);
  await drawSquare(page, 0.7, 0.93, 0.025);
}
