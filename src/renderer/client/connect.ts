// Picks the transport: the preload's bridge inside Electron, otherwise the WebSocket of web mode, whose token
// comes from the URL `satdifuser serve` printed (and is then removed from the address bar and history).
import type { DesktopBridge } from '../../shared/contract';
import { SatError } from '../../shared/errors';
import { createBridgeTransport } from './bridgeTransport';
import { EngineClient } from './engineClient';
import { createWsTransport } from './wsTransport';

export function desktopBridge(): DesktopBridge | null {
  const b = (window as unknown as { satdifuser?: DesktopBridge }).satdifuser;
  return b && b.kind === 'electron' ? b : null;
}

const TOKEN_KEY = 'satdifuser.token';

export function connectEngine(): EngineClient {
  const bridge = desktopBridge();
  if (bridge) return new EngineClient(createBridgeTransport(bridge));
  const url = new URL(window.location.href);
  // The token is kept for this tab only (sessionStorage), so a reload keeps working but other tabs need the URL.
  const token = url.searchParams.get('token') ?? sessionStorage.getItem(TOKEN_KEY);
  if (!token) {
    throw new SatError('INVALID_ARGUMENT', 'This page needs the access token that `satdifuser serve` printed.', {
      hint: 'Open the full URL shown in the terminal (it ends in ?token=…).',
    });
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  if (url.searchParams.has('token')) {
    url.searchParams.delete('token');
    window.history.replaceState(null, '', url.pathname + (url.search ? url.search : '') + url.hash);
  }
  const wsUrl = `${url.protocol === 'https:' ? 'wss' : 'ws'}://${url.host}/engine?token=${encodeURIComponent(token)}`;
  return new EngineClient(createWsTransport({ url: wsUrl, httpOrigin: url.origin, token }));
}
