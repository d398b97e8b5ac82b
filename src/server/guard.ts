// Who may talk to the web-mode server. It listens on 127.0.0.1 only, but any page open in any local browser can
// reach loopback, so every request is checked for: a Host header naming this server (defeats DNS rebinding),
// an Origin (when a browser sends one) equal to this server's own, and the per-run token where it matters.
import type { IncomingMessage } from 'node:http';
import { tokenMatches } from './token';

export interface GuardConfig {
  readonly port: number;
  readonly token: string;
}

export type GuardVerdict = { readonly ok: true } | { readonly ok: false; readonly status: 400 | 401 | 403; readonly reason: string };

export function allowedHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`];
}

export function tokenFromUrl(url: string | undefined): string | null {
  if (!url) return null;
  const q = url.indexOf('?');
  return q < 0 ? null : new URLSearchParams(url.slice(q + 1)).get('token');
}

export function checkRequest(req: Pick<IncomingMessage, 'headers' | 'url'>, cfg: GuardConfig, needsToken: boolean): GuardVerdict {
  const hosts = allowedHosts(cfg.port);
  const host = req.headers.host?.toLowerCase();
  if (!host || !hosts.includes(host)) return { ok: false, status: 403, reason: `Host "${host ?? ''}" is not this server.` };
  const origin = req.headers.origin;
  if (origin !== undefined && !hosts.some((h) => origin.toLowerCase() === `http://${h}`)) {
    return { ok: false, status: 403, reason: `Requests from ${origin} are not allowed.` };
  }
  if (needsToken) {
    const header = req.headers['x-satdifuser-token'];
    const given = typeof header === 'string' ? header : tokenFromUrl(req.url);
    if (!tokenMatches(cfg.token, given)) return { ok: false, status: 401, reason: 'Missing or wrong access token: open the URL that `satdifuser serve` printed.' };
  }
  return { ok: true };
}
