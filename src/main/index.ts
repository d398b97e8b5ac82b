// Electron main: one window, the app menu, file dialogs, the raster byte protocol and the engine in a utility
// process. Everything here is wiring; the logic lives in small modules tested in plain Node with electron mocked.
import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, session, utilityProcess } from 'electron';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineEvent, MenuCommandMessage } from '../shared/contract';
import { EngineHost } from './engineHost';
import { CHANNELS, registerIpc } from './ipc';
import { buildMenuTemplate } from './menu';
import { appPaths, mainDir } from './paths';
import { APP_SCHEME, rasterProtocolHandler, schemePrivileges } from './rasterProtocol';
import { hardenSession } from './security';
import { createMainWindow, type DocumentState } from './window';

protocol.registerSchemesAsPrivileged([schemePrivileges]);

const paths = appPaths(mainDir);
const doc: DocumentState = { title: 'Untitled', dirty: false };
let mainWindow: BrowserWindow | null = null;
let appUrl = '';

function sampleScenePath(): string | null {
  const candidates = [join(process.resourcesPath ?? '', 'sample', 'L7_ETMs.tif'), join(app.getAppPath(), 'resources', 'sample', 'L7_ETMs.tif')];
  return candidates.find((p) => existsSync(p)) ?? null;
}

const sendToRenderer = (channel: string, payload: unknown) => {
  if (mainWindow && !mainWindow.isDestroyed()) mainWindow.webContents.send(channel, payload);
};

const engine = new EngineHost(
  () => utilityProcess.fork(paths.engineEntry, [], {
    serviceName: 'SatDiFuser engine',
    stdio: 'inherit',
    env: {
      ...process.env,
      SATDIFUSER_DATA_DIR: app.getPath('userData'),
      SATDIFUSER_SAMPLE: sampleScenePath() ?? '',
      SATDIFUSER_VERSION: app.getVersion(),
      // Bundled CRS table etc.: the packaged resources folder, or the checkout's resources/ in development.
      SATDIFUSER_RESOURCES: app.isPackaged ? process.resourcesPath : join(app.getAppPath(), 'resources'),
    },
  }),
  (event: EngineEvent) => sendToRenderer(CHANNELS.engineEvent, event),
);

async function refreshMenu(): Promise<void> {
  let recent: string[] = [];
  const res = await engine.call('project.recent', {});
  if (res.ok && Array.isArray(res.result)) recent = res.result as string[];
  for (const p of recent.slice(0, 5)) app.addRecentDocument(p);
  const send = (m: MenuCommandMessage) => sendToRenderer(CHANNELS.menuCommand, m);
  Menu.setApplicationMenu(Menu.buildFromTemplate(buildMenuTemplate(send, { isMac: process.platform === 'darwin', recentProjects: recent, dev: !app.isPackaged })));
}

function updateTitle(): void {
  if (mainWindow && !mainWindow.isDestroyed()) mainWindow.setTitle(`${doc.dirty ? '• ' : ''}${doc.title} — SatDiFuser Studio`);
}

// One instance: a second launch focuses the existing window (and opening a project file there is the renderer's job).
if (!app.requestSingleInstanceLock()) app.quit();
app.on('second-instance', () => {
  if (mainWindow) {
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  }
});

app.on('web-contents-created', (_e, contents) => {
  // Defence in depth for any contents we did not create ourselves.
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-attach-webview', (ev) => ev.preventDefault());
});

void app.whenReady().then(async () => {
  hardenSession(session.defaultSession);
  protocol.handle(APP_SCHEME, rasterProtocolHandler((id) => engine.servedFile(id)));
  engine.start();
  registerIpc(ipcMain, {
    windowContents: () => (mainWindow && !mainWindow.isDestroyed() ? mainWindow.webContents : null),
    appUrl: () => appUrl,
    callEngine: async (method, params) => {
      const res = await engine.call(method as never, params);
      if (res.ok && (method === 'project.save' || method === 'project.open')) void refreshMenu();
      return res;
    },
    showOpenDialog: async (req) => {
      if (!mainWindow) return null;
      const r = await dialog.showOpenDialog(mainWindow, {
        title: req.title,
        filters: req.filters.map((f) => ({ name: f.name, extensions: [...f.extensions] })),
        properties: [req.directory ? 'openDirectory' : 'openFile', ...(req.multiple ? ['multiSelections' as const] : [])],
      });
      return r.canceled ? null : r.filePaths;
    },
    showSaveDialog: async (req) => {
      if (!mainWindow) return null;
      const r = await dialog.showSaveDialog(mainWindow, {
        title: req.title,
        filters: req.filters.map((f) => ({ name: f.name, extensions: [...f.extensions] })),
        defaultPath: req.defaultPath ?? undefined,
      });
      return r.canceled || !r.filePath ? null : r.filePath;
    },
    setDocumentState: (s) => {
      doc.title = s.title;
      doc.dirty = s.dirty;
      updateTitle();
    },
  });
  const created = createMainWindow({ preload: paths.preload, rendererIndex: paths.rendererIndex, devServerUrl: process.env.ELECTRON_RENDERER_URL }, doc);
  mainWindow = created.window;
  appUrl = created.appUrl;
  mainWindow.on('closed', () => (mainWindow = null));
  await refreshMenu();
});

app.on('window-all-closed', () => app.quit());
app.on('will-quit', () => engine.stop());
