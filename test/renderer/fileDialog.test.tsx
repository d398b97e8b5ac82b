// @vitest-environment happy-dom
// The web-mode file browser: only the latest folder listing fills the dialog. On a slow engine the first listing
// (the last folder used) can answer after the user has typed and entered another folder; it must not send the user
// back (the e2e save journey failed on CI this way).
import { act } from 'react';
import { createRoot } from 'react-dom/client';
import { afterEach, describe, expect, it } from 'vitest';
import { AppContext } from '../../src/renderer/AppContext';
import { EngineClient } from '../../src/renderer/client/engineClient';
import type { Transport } from '../../src/renderer/client/transport';
import { FileDialog } from '../../src/renderer/components/FileDialog';
import { AppModel } from '../../src/renderer/state/appModel';
import type { DirectoryListing } from '../../src/shared/contract';

(globalThis as any).IS_REACT_ACT_ENVIRONMENT = true;

const listing = (path: string, names: string[]): DirectoryListing => ({
  path, parent: '/', places: [],
  entries: names.map((name) => ({ name, path: `${path}/${name}`, kind: 'directory', size: null, modified: null }) as never),
});

let container: HTMLDivElement;
afterEach(() => container?.remove());

describe('file dialog', () => {
  it('keeps the folder the user entered when the first listing answers late', async () => {
    const pending = new Map<string, (l: DirectoryListing) => void>();
    const transport: Transport = {
      kind: 'web', connection: 'open',
      request: (method, params: any) => new Promise((resolve) => {
        expect(method).toBe('fs.list');
        pending.set(String(params.path), (l) => resolve({ kind: 'response', id: 1, ok: true, result: l }));
      }),
      onEvent: () => () => undefined, onConnection: () => () => undefined, rasterUrl: (id) => `/raster/${id}`, close: () => undefined,
    };
    const model = new AppModel(new EngineClient(transport));
    localStorage.setItem('satdifuser.lastDir', '/old');
    container = document.createElement('div');
    document.body.appendChild(container);
    const root = createRoot(container);
    await act(async () => root.render(<AppContext.Provider value={{ model, map: null }}><FileDialog request={{ mode: 'save', title: 'Save', kinds: ['project'] }} resolve={() => undefined} /></AppContext.Provider>));
    expect([...pending.keys()]).toEqual(['/old']);

    // The user types /work and presses Enter before /old has been listed.
    const input = document.querySelector<HTMLInputElement>('[data-testid=file-path]')!;
    await act(async () => {
      const setValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!;
      setValue.call(input, '/work');
      input.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await act(async () => input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true })));
    expect(pending.has('/work')).toBe(true);

    await act(async () => pending.get('/work')!(listing('/work', ['data'])));
    await act(async () => pending.get('/old')!(listing('/old', ['stale'])));
    expect(document.querySelector('[data-name="data"]')).not.toBeNull();
    expect(document.querySelector('[data-name="stale"]')).toBeNull();
    expect(input.value).toBe('/work');
    expect(localStorage.getItem('satdifuser.lastDir')).toBe('/work');
  });
});
