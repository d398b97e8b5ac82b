// The preload exposes exactly the DesktopBridge and forwards to the right channels; the page never sees the
// IpcRendererEvent (which would leak ipcRenderer itself).
import { describe, expect, it, vi } from 'vitest';

const exposed: Record<string, any> = {};
const ipc = { invoke: vi.fn(async () => 'ok'), send: vi.fn(), on: vi.fn(), removeListener: vi.fn() };
vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (k: string, v: unknown) => { exposed[k] = v; } },
  ipcRenderer: ipc,
  webUtils: { getPathForFile: () => '/dropped/scene.tif' },
}));

await import('../../src/preload/index');

describe('preload bridge', () => {
  it('exposes one object with the DesktopBridge members only', () => {
    expect(Object.keys(exposed)).toEqual(['satdifuser']);
    expect(Object.keys(exposed.satdifuser).sort()).toEqual(['call', 'kind', 'onEvent', 'onMenu', 'pathForFile', 'rasterUrl', 'setDocumentState', 'showOpenDialog', 'showSaveDialog']);
  });

  it('forwards calls to the engine channel and events without the IPC event object', async () => {
    await exposed.satdifuser.call('engine.hello', {});
    expect(ipc.invoke).toHaveBeenCalledWith('engine:call', 'engine.hello', {});
    const seen: unknown[] = [];
    const off = exposed.satdifuser.onEvent((e: unknown) => seen.push(e));
    const [channel, wrapped] = ipc.on.mock.calls[0]! as unknown as [string, (...a: unknown[]) => void];
    expect(channel).toBe('engine:event');
    wrapped({ sender: ipc }, { topic: 'x' });
    expect(seen).toEqual([{ topic: 'x' }]);
    off();
    expect(ipc.removeListener).toHaveBeenCalledWith('engine:event', wrapped);
  });

  it('builds raster URLs on the custom scheme and gives dropped files their path', () => {
    expect(exposed.satdifuser.rasterUrl('a b')).toBe('satdifuser://raster/a%20b');
    expect(exposed.satdifuser.pathForFile({ name: 'scene.tif' })).toBe('/dropped/scene.tif');
  });
});
