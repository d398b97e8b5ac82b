// Web mode: the built renderer and the Engine service on 127.0.0.1, guarded by a per-run token (see guard.ts).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';
import type { Engine } from '../engine/api/engine';
import { contentSecurityPolicy } from './csp';
import { checkRequest, type GuardConfig } from './guard';
import { serveRasterBytes } from './rasterBytes';
import { serveStatic } from './staticFiles';
import { createToken } from './token';
import { receiveUpload } from './upload';
import { bridgeSocket, MAX_MESSAGE_BYTES } from './wsBridge';

export interface WebServerOptions {
  readonly engine: Engine;
  /** Folder of the built renderer (index.html + assets). */
  readonly rendererDir: string;
  /** 0 = any free port. */
  readonly port?: number;
  readonly token?: string;
  readonly uploadDir: string;
}

export interface WebServer {
  readonly url: string;
  readonly origin: string;
  readonly port: number;
  readonly token: string;
  close(): Promise<void>;
}

function refuse(res: ServerResponse, status: number, reason: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(reason);
}

export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const token = opts.token ?? createToken();
  const cfg: { port: number; token: string } = { port: 0, token };
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    const path = url.split('?')[0]!;
    const raster = /^\/raster\/([A-Za-z0-9-]+)$/.exec(path);
    const upload = /^\/upload\/([^/]+)\/([^/]+)$/.exec(path);
    const verdict = checkRequest(req, cfg, Boolean(raster || upload));
    if (!verdict.ok) return refuse(res, verdict.status, verdict.reason);
    if (upload) {
      if (req.method !== 'PUT') return refuse(res, 405, 'Use PUT.');
      return receiveUpload(upload[1]!, decodeURIComponent(upload[2]!), req, res, opts.uploadDir);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'Method not allowed.');
    if (raster) return serveRasterBytes(raster[1]!, req, res, (id) => opts.engine.servedFile(id));
    const headers = {
      'Content-Security-Policy': contentSecurityPolicy(cfg.port),
      'X-Frame-Options': 'DENY',
      'Referrer-Policy': 'no-referrer',
      'Cross-Origin-Opener-Policy': 'same-origin',
    };
    if (await serveStatic(opts.rendererDir, path, res, headers, req.method === 'HEAD')) return;
    refuse(res, 404, 'Not found.');
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) refuse(res, 500, 'Internal error.');
      else res.destroy();
    });
  });

  server.on('upgrade', (req, socket, head) => {
    const path = (req.url ?? '').split('?')[0];
    const verdict: ReturnType<typeof checkRequest> = path === '/engine' ? checkRequest(req, cfg as GuardConfig, true) : { ok: false, status: 400, reason: 'Unknown endpoint.' };
    if (!verdict.ok) {
      socket.write(`HTTP/1.1 ${verdict.status} ${verdict.status === 401 ? 'Unauthorized' : verdict.status === 403 ? 'Forbidden' : 'Bad Request'}\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\n${verdict.reason}`);
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => bridgeSocket(ws, opts.engine));
  });

  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolvePromise();
    });
  });
  cfg.port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${cfg.port}`;
  return {
    url: `${origin}/?token=${token}`,
    origin,
    port: cfg.port,
    token,
    close: async () => {
      for (const c of wss.clients) c.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

export const defaultRendererDir = (root: string) => join(root, 'out', 'renderer');
