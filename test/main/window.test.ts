// The main window's security settings and navigation guards, with electron mocked (the Electron binary cannot
// run on CI machines): what the BrowserWindow is created with, and what the hardening handlers answer.
import { beforeEach, describe, expect, it, vi } from 'vitest';

const created = vi.hoisted(() => [] as { options: any; win: any }[]);

vi.mock('electron', async () => {
  const { EventEmitter } = await import('node:events');
  class FakeContents extends EventEmitter {
    openHandler: ((d: { url: string }) => unknown) | null = null;
    setWindowOpenHandler(h: (d: { url: string }) => unknown) { this.openHandler = h; }
  }
  class BrowserWindow extends EventEmitter {
    webContents = new FakeContents();
    loaded: string | null = null;
    constructor(options: any) {
      super();
      created.push({ options, win: this });
    }
    loadFile(p: string) { this.loaded = p; return Promise.resolve(); }
    loadURL(u: string) { this.loaded = u; return Promise.resolve(); }
    show() {}
  }
  return { BrowserWindow, dialog: { showMessageBoxSync: vi.fn(() => 1) } };
});

const { createMainWindow } = await import('../../src/main/window');
const { hardenSession, CSP, isAppUrl } = await import('../../src/main/security');
const { appPaths } = await import('../../src/main/paths');

function navEvent() {
  return { prevented: false, preventDefault() { this.prevented = true; } };
}

describe('main window', () => {
  beforeEach(() => { created.length = 0; });

  it('is created with context isolation, the sandbox, no Node integration and no webview tag', () => {
    createMainWindow({ preload: '/app/out/preload/index.cjs', rendererIndex: '/app/out/renderer/index.html' }, { title: 't', dirty: false });
    const wp = created[0]!.options.webPreferences;
    expect(wp).toMatchObject({
      contextIsolation: true, sandbox: true, nodeIntegration: false, nodeIntegrationInWorker: false, nodeIntegrationInSubFrames: false,
      webSecurity: true, allowRunningInsecureContent: false, webviewTag: false, navigateOnDragDrop: false,
      preload: '/app/out/preload/index.cjs',
    });
    expect(created[0]!.win.loaded).toBe('/app/out/renderer/index.html');
  });

  it('blocks navigation away from the app page, webviews, and every new window', () => {
    createMainWindow({ preload: '/p.cjs', rendererIndex: '/app/out/renderer/index.html' }, { title: 't', dirty: false });
    const contents = created[0]!.win.webContents;
    for (const url of ['https://evil.example/', 'file:///etc/passwd', 'satdifuser://raster/x']) {
      const e = navEvent();
      contents.emit('will-navigate', e, url);
      expect(e.prevented, url).toBe(true);
    }
    const same = navEvent();
    contents.emit('will-navigate', same, 'file:///app/out/renderer/index.html#x');
    expect(same.prevented).toBe(false);
    const redirect = navEvent();
    contents.emit('will-redirect', redirect, 'https://evil.example/');
    expect(redirect.prevented).toBe(true);
    const wv = navEvent();
    contents.emit('will-attach-webview', wv);
    expect(wv.prevented).toBe(true);
    expect(contents.openHandler({ url: 'https://example.com' })).toEqual({ action: 'deny' });
  });

  it('asks before closing with unsaved changes, and does not when saved', async () => {
    const { dialog } = await import('electron');
    const doc = { title: 'Scene', dirty: true };
    createMainWindow({ preload: '/p.cjs', rendererIndex: '/r/index.html' }, doc);
    const win = created[0]!.win;
    const e = navEvent();
    win.emit('close', e);
    expect(dialog.showMessageBoxSync).toHaveBeenCalledTimes(1);
    expect(e.prevented).toBe(true);
    doc.dirty = false;
    const e2 = navEvent();
    win.emit('close', e2);
    expect(e2.prevented).toBe(false);
  });
});

describe('session hardening', () => {
  it('adds a strict CSP to every response and denies every permission', () => {
    let headersHook: any;
    let permission: any;
    let check: any;
    hardenSession({
      webRequest: { onHeadersReceived: (h: any) => { headersHook = h; } },
      setPermissionRequestHandler: (h: any) => { permission = h; },
      setPermissionCheckHandler: (h: any) => { check = h; },
    } as any);
    let out: any;
    headersHook({ responseHeaders: { 'X-Other': ['1'] } }, (r: any) => { out = r; });
    expect(out.responseHeaders['Content-Security-Policy']).toEqual([CSP]);
    expect(out.responseHeaders['X-Other']).toEqual(['1']);
    expect(CSP).toContain("script-src 'self'");
    expect(CSP).toContain("object-src 'none'");
    expect(CSP).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline/);
    const answers: boolean[] = [];
    for (const p of ['media', 'geolocation', 'notifications', 'openExternal']) permission({}, p, (ok: boolean) => answers.push(ok));
    expect(answers).toEqual([false, false, false, false]);
    expect(check()).toBe(false);
  });

  it('recognises the app page exactly', () => {
    expect(isAppUrl('file:///a/out/renderer/index.html', 'file:///a/out/renderer/index.html')).toBe(true);
    expect(isAppUrl('file:///a/out/renderer/other.html', 'file:///a/out/renderer/index.html')).toBe(false);
    expect(isAppUrl('http://localhost:5173/x', 'http://localhost:5173/')).toBe(true);
    expect(isAppUrl('http://localhost:5174/', 'http://localhost:5173/')).toBe(false);
    expect(isAppUrl('not a url', 'file:///a')).toBe(false);
  });
});

describe('built file locations', () => {
  it('finds the CommonJS preload and the engine entry beside the ESM main bundle', () => {
    const p = appPaths('/app/out/main');
    expect(p.preload).toBe('/app/out/preload/index.cjs');
    expect(p.rendererIndex).toBe('/app/out/renderer/index.html');
    expect(p.engineEntry).toBe('/app/out/main/engineProcess.js');
  });
});
