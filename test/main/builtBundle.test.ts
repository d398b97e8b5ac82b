// The built desktop bundle, not the sources: electron-vite builds into a temp folder, then the engine's utility-
// process entry (ESM, externals resolved from node_modules, resources found through SATDIFUSER_RESOURCES) runs in
// plain Node with a stand-in for Electron's parentPort, and answers contract requests on the sample scene.
import { execFileSync, fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleScene } from '../helpers/shared';

// Inside the repository (under the git- and lint-ignored out/), so the bundle's bare imports resolve from
// node_modules as they do in the app.
mkdirSync(resolve('out'), { recursive: true });
const out = mkdtempSync(join(resolve('out'), 'build-test-'));
let child: ReturnType<typeof fork> | null = null;

beforeAll(() => {
  execFileSync(process.execPath, ['node_modules/electron-vite/bin/electron-vite.js', 'build', '--outDir', out], { stdio: 'pipe', env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' } });
}, 240_000);
afterAll(() => {
  child?.kill();
  rmSync(out, { recursive: true, force: true });
});

describe('built bundle', () => {
  it('main is ESM with no CommonJS __dirname, and the preload is CommonJS requiring only electron', () => {
    const main = readFileSync(join(out, 'main', 'index.js'), 'utf8');
    expect(main).toMatch(/^import /m);
    expect(main).not.toMatch(/\b__dirname\b/);
    expect(main).toContain('import.meta.url');
    const preload = readFileSync(join(out, 'preload', 'index.cjs'), 'utf8');
    const requires = [...preload.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1]);
    expect(new Set(requires)).toEqual(new Set(['electron']));
    expect(preload).not.toMatch(/^import /m);
  });

  it('runs the engine entry and answers hello, raster.open and the served-file lookup', async () => {
    const shim = join(out, 'parent-port-shim.mjs');
    writeFileSync(shim, `process.parentPort = { on: (ev, cb) => process.on('message', (data) => cb({ data })), postMessage: (m) => process.send(m) };\nawait import(${JSON.stringify(join(out, 'main', 'engineProcess.js'))});\n`);
    child = fork(shim, [], {
      cwd: tmpdir(), // not the repository: paths must not depend on the working directory
      env: { ...process.env, SATDIFUSER_DATA_DIR: join(out, 'data'), SATDIFUSER_SAMPLE: sampleScene, SATDIFUSER_RESOURCES: resolve('resources') },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    const replies: any[] = [];
    child.on('message', (m) => replies.push(m));
    const ask = async (msg: any, match: (m: any) => boolean) => {
      child!.send(msg);
      for (let i = 0; i < 600; i++) {
        const m = replies.find(match);
        if (m) return m;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`no reply to ${JSON.stringify(msg)}; engine stderr:\n${stderr}`);
    };
    const hello = await ask({ kind: 'request', id: 1, method: 'engine.hello', params: {} }, (m) => m.id === 1);
    expect(hello.ok).toBe(true);
    expect(hello.result.host).toBe('desktop');
    expect(hello.result.sampleScene).toBe(sampleScene);
    const open = await ask({ kind: 'request', id: 2, method: 'raster.open', params: { path: sampleScene } }, (m) => m.id === 2);
    expect(open.ok, JSON.stringify(open.error)).toBe(true);
    expect(open.result.info.epsg).toBe(31985);
    expect(open.result.info.crs.name).toMatch(/SIRGAS 2000/);
    const served = await ask({ kind: 'served-file', id: 3, rasterId: open.result.rasterId }, (m) => m.kind === 'served-file-result' && m.id === 3);
    expect(served.file.path.startsWith(join(out, 'data', 'cog-cache'))).toBe(true);
    const bad = await ask({ kind: 'request', id: 4, method: 'raster.open', params: { path: '/nope.tif' } }, (m) => m.id === 4);
    expect(bad.error.code).toBe('FILE_NOT_FOUND');
    expect(replies.some((m) => m.kind === 'event' && m.event.topic === 'job.finished')).toBe(true);
  }, 60_000);
});
