// The main window: secure preferences, our page only, and a close prompt when the project has unsaved changes.
import { BrowserWindow, dialog } from 'electron';
import { pathToFileURL } from 'node:url';
import { hardenWebContents, secureWebPreferences } from './security';

export interface WindowOptions {
  readonly preload: string;
  readonly rendererIndex: string;
  /** ELECTRON_RENDERER_URL in development (electron-vite dev server). */
  readonly devServerUrl?: string;
}

export interface DocumentState {
  title: string;
  dirty: boolean;
}

export function createMainWindow(opts: WindowOptions, doc: DocumentState): { window: BrowserWindow; appUrl: string } {
  const window = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 900,
    minHeight: 600,
    title: 'SatDiFuser Studio',
    backgroundColor: '#1e2126',
    show: false,
    webPreferences: secureWebPreferences(opts.preload),
  });
  const appUrl = opts.devServerUrl ?? pathToFileURL(opts.rendererIndex).href;
  hardenWebContents(window.webContents, appUrl);
  window.once('ready-to-show', () => window.show());
  window.on('close', (event) => {
    if (!doc.dirty) return;
    const choice = dialog.showMessageBoxSync(window, {
      type: 'warning',
      buttons: ['Quit without saving', 'Cancel'],
      defaultId: 1,
      cancelId: 1,
      message: `"${doc.title}" has unsaved changes.`,
      detail: 'An autosaved copy is kept and offered the next time you start the app.',
    });
    if (choice !== 0) event.preventDefault();
  });
  if (opts.devServerUrl) void window.loadURL(opts.devServerUrl);
  else void window.loadFile(opts.rendererIndex);
  return { window, appUrl };
}
