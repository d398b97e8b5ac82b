// IPC: only our window's main frame, showing our page, may call; everything else is refused before it reaches the
// engine. Dialog requests from the renderer are sanitized.
import { describe, expect, it, vi } from 'vitest';
import { registerIpc, sanitizeOpenDialog, CHANNELS } from '../../src/main/ipc';

function setup() {
  const handlers = new Map<string, (...a: any[]) => any>();
  const listeners = new Map<string, (...a: any[]) => any>();
  const ipc = { handle: (c: string, f: any) => handlers.set(c, f), on: (c: string, f: any) => listeners.set(c, f) };
  const mainFrame = { url: 'file:///app/out/renderer/index.html' };
  const contents = { mainFrame };
  const callEngine = vi.fn(async (method: string) => ({ kind: 'response', id: 1, ok: true, result: method }));
  const setDocumentState = vi.fn();
  const showOpenDialog = vi.fn(async () => ['/x.tif']);
  registerIpc(ipc as any, {
    windowContents: () => contents as any,
    appUrl: () => 'file:///app/out/renderer/index.html',
    callEngine: callEngine as any,
    showOpenDialog,
    showSaveDialog: async () => null,
    setDocumentState,
  });
  return { handlers, listeners, contents, mainFrame, callEngine, setDocumentState, showOpenDialog };
}

describe('IPC sender checks', () => {
  it('forwards a contract call from the app page', async () => {
    const s = setup();
    const res = await s.handlers.get(CHANNELS.engineCall)!({ sender: s.contents, senderFrame: s.mainFrame }, 'engine.hello', {});
    expect(res).toMatchObject({ ok: true, result: 'engine.hello' });
    expect(s.callEngine).toHaveBeenCalledWith('engine.hello', {});
  });

  it('refuses other web contents, subframes and other pages, without calling the engine', () => {
    const s = setup();
    const h = s.handlers.get(CHANNELS.engineCall)!;
    const cases = [
      { sender: {}, senderFrame: s.mainFrame },
      { sender: s.contents, senderFrame: { url: 'file:///app/out/renderer/index.html' } },
      { sender: s.contents, senderFrame: null },
    ];
    for (const ev of cases) expect(() => h(ev, 'engine.hello', {})).toThrow(/refused/);
    (s.mainFrame as any).url = 'https://evil.example/';
    expect(() => h({ sender: s.contents, senderFrame: s.mainFrame }, 'engine.hello', {})).toThrow(/refused/);
    expect(() => s.handlers.get(CHANNELS.openDialog)!({ sender: {}, senderFrame: s.mainFrame }, {})).toThrow(/refused/);
    expect(s.callEngine).not.toHaveBeenCalled();
    expect(s.showOpenDialog).not.toHaveBeenCalled();
  });

  it('answers an unknown method with a typed error and never forwards it', async () => {
    const s = setup();
    const res = await s.handlers.get(CHANNELS.engineCall)!({ sender: s.contents, senderFrame: s.mainFrame }, 'fs.rmrf', {});
    expect(res.ok).toBe(false);
    expect(res.error.code).toBe('INVALID_ARGUMENT');
    expect(s.callEngine).not.toHaveBeenCalled();
  });

  it('ignores document-state messages from untrusted senders and sanitizes trusted ones', () => {
    const s = setup();
    const l = s.listeners.get(CHANNELS.documentState)!;
    l({ sender: {}, senderFrame: s.mainFrame }, { title: 'x', dirty: true });
    expect(s.setDocumentState).not.toHaveBeenCalled();
    l({ sender: s.contents, senderFrame: s.mainFrame }, { title: 42, dirty: 'yes' });
    expect(s.setDocumentState).toHaveBeenCalledWith({ title: 'Untitled', dirty: false });
  });
});

describe('dialog request sanitizing', () => {
  it('keeps known fields with safe extensions only', () => {
    const r = sanitizeOpenDialog({ title: 'T'.repeat(500), filters: [{ name: 'Rasters', extensions: ['tif', '../x', 'tiff', '*'] }, { bogus: 1 }], multiple: 'yes', properties: ['dontAddToRecent'] });
    expect(r.title).toHaveLength(200);
    expect(r.filters).toEqual([{ name: 'Rasters', extensions: ['tif', 'tiff', '*'] }]);
    expect(r.multiple).toBe(false);
    expect(Object.keys(r).sort()).toEqual(['directory', 'filters', 'multiple', 'title']);
  });
});
