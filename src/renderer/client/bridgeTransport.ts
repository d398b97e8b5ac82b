// The contract through the preload's DesktopBridge (Electron IPC to main, then to the engine's utility process).
import type { DesktopBridge } from '../../shared/contract';
import type { Transport } from './transport';

export function createBridgeTransport(bridge: DesktopBridge): Transport {
  return {
    kind: 'electron',
    connection: 'open',
    request: (method, params) => bridge.call(method, params),
    onEvent: (listener) => bridge.onEvent(listener),
    onConnection: () => () => undefined,
    rasterUrl: (rasterId) => bridge.rasterUrl(rasterId),
    close: () => undefined,
  };
}
