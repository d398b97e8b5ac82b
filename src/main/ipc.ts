// The only IPC the renderer can reach, registered on ipcMain. Every handler first checks that the message comes
// from our window's main frame showing our page; anything else is refused (and never reaches the engine).
import type { IpcMain, IpcMainEvent, IpcMainInvokeEvent, WebContents } from 'electron';
import { IPC_CHANNELS, isMethodName, type FileFilter, type OpenDialogRequest, type RpcResponse, type SaveDialogRequest } from '../shared/contract';
import { InvalidArgumentError, serializeError } from '../shared/errors';
import { isAppUrl } from './security';

export const CHANNELS = IPC_CHANNELS;

export interface IpcDeps {
  /** The web contents of our window, when it exists. */
  readonly windowContents: () => WebContents | null;
  readonly appUrl: () => string;
  readonly callEngine: (method: string, params: unknown) => Promise<RpcResponse>;
  readonly showOpenDialog: (req: OpenDialogRequest) => Promise<readonly string[] | null>;
  readonly showSaveDialog: (req: SaveDialogRequest) => Promise<string | null>;
  readonly setDocumentState: (state: { title: string; dirty: boolean }) => void;
}

export function isTrustedSender(event: IpcMainEvent | IpcMainInvokeEvent, deps: Pick<IpcDeps, 'windowContents' | 'appUrl'>): boolean {
  const contents = deps.windowContents();
  const frame = event.senderFrame;
  if (!contents || event.sender !== contents || !frame) return false;
  if (frame !== contents.mainFrame) return false;
  return isAppUrl(frame.url, deps.appUrl());
}

class UntrustedSenderError extends Error {
  constructor(channel: string) {
    super(`IPC "${channel}" refused: the sender is not the app's own page.`);
  }
}

function sanitizeFilters(v: unknown): FileFilter[] {
  if (!Array.isArray(v)) return [];
  return v.slice(0, 20).flatMap((f: unknown) => {
    const ff = f as { name?: unknown; extensions?: unknown };
    if (typeof ff?.name !== 'string' || !Array.isArray(ff.extensions)) return [];
    const extensions = ff.extensions.filter((e): e is string => typeof e === 'string' && /^(\*|[A-Za-z0-9]{1,10})$/.test(e));
    return [{ name: ff.name.slice(0, 80), extensions }];
  });
}

export function sanitizeOpenDialog(v: unknown): OpenDialogRequest {
  const r = (v ?? {}) as Record<string, unknown>;
  return {
    title: typeof r.title === 'string' ? r.title.slice(0, 200) : 'Open',
    filters: sanitizeFilters(r.filters),
    multiple: r.multiple === true,
    directory: r.directory === true,
  };
}

export function sanitizeSaveDialog(v: unknown): SaveDialogRequest {
  const r = (v ?? {}) as Record<string, unknown>;
  return {
    title: typeof r.title === 'string' ? r.title.slice(0, 200) : 'Save',
    filters: sanitizeFilters(r.filters),
    defaultPath: typeof r.defaultPath === 'string' && !r.defaultPath.includes('\0') ? r.defaultPath : null,
  };
}

export function registerIpc(ipc: IpcMain, deps: IpcDeps): void {
  const guard = <A extends unknown[], R>(channel: string, fn: (...args: A) => R) =>
    (event: IpcMainInvokeEvent, ...args: A): R => {
      if (!isTrustedSender(event, deps)) throw new UntrustedSenderError(channel);
      return fn(...args);
    };

  ipc.handle(CHANNELS.engineCall, guard(CHANNELS.engineCall, async (method: unknown, params: unknown): Promise<RpcResponse> => {
    if (!isMethodName(method)) {
      return { kind: 'response', id: 0, ok: false, error: serializeError(new InvalidArgumentError(`"${String(method)}" is not an engine method.`)) };
    }
    return deps.callEngine(method, params);
  }));
  ipc.handle(CHANNELS.openDialog, guard(CHANNELS.openDialog, (req: unknown) => deps.showOpenDialog(sanitizeOpenDialog(req))));
  ipc.handle(CHANNELS.saveDialog, guard(CHANNELS.saveDialog, (req: unknown) => deps.showSaveDialog(sanitizeSaveDialog(req))));
  ipc.on(CHANNELS.documentState, (event, state: unknown) => {
    if (!isTrustedSender(event, deps)) return;
    const s = (state ?? {}) as { title?: unknown; dirty?: unknown };
    deps.setDocumentState({ title: typeof s.title === 'string' ? s.title.slice(0, 200) : 'Untitled', dirty: s.dirty === true });
  });
}
