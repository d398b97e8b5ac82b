// The preload: the narrow typed API of contract.ts's DesktopBridge, and nothing else. It runs sandboxed
// (CommonJS, only `electron`'s renderer modules), so it holds no logic: it forwards to main, which checks.
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { IPC_CHANNELS as CHANNELS, type DesktopBridge, type EngineEvent, type MenuCommandMessage } from '../shared/contract';

function subscribe<T>(channel: string, listener: (payload: T) => void): () => void {
  // Never hand the IpcRendererEvent to the page: it carries `sender`, i.e. ipcRenderer itself.
  const wrapped = (_event: unknown, payload: T) => listener(payload);
  ipcRenderer.on(channel, wrapped);
  return () => {
    ipcRenderer.removeListener(channel, wrapped);
  };
}

const bridge: DesktopBridge = {
  kind: 'electron',
  call: (method, params) => ipcRenderer.invoke(CHANNELS.engineCall, method, params),
  onEvent: (listener) => subscribe<EngineEvent>(CHANNELS.engineEvent, listener),
  onMenu: (listener) => subscribe<MenuCommandMessage>(CHANNELS.menuCommand, listener),
  showOpenDialog: (request) => ipcRenderer.invoke(CHANNELS.openDialog, request),
  showSaveDialog: (request) => ipcRenderer.invoke(CHANNELS.saveDialog, request),
  pathForFile: (file) => webUtils.getPathForFile(file as File),
  rasterUrl: (rasterId) => `satdifuser://raster/${encodeURIComponent(rasterId)}`,
  setDocumentState: (state) => ipcRenderer.send(CHANNELS.documentState, { title: String(state.title), dirty: Boolean(state.dirty) }),
};

contextBridge.exposeInMainWorld('satdifuser', bridge);
