// Web mode's guard: the per-run token, the Origin and Host checks, byte ranges, static files and the contract
// over WebSocket, against a real server on 127.0.0.1 and a small engine double.
import { mkdtempSync, writeFileSync, mkdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { EventBus } from '../../src/engine/api/events';
import type { Engine } from '../../src/engine/api/engine';
import { startWebServer, type WebServer } from '../../src/server/server';

const dir = mkdtempSync(join(tmpdir(), 'sdf-web-'));
const rendererDir = join(dir, 'renderer');
mkdirSync(join(rendererDir, 'assets'), { recursive: true });
writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>t</title>');
writeFileSync(join(rendererDir, 'assets', 'app-123.js'), 'console.log(1)');
writeFileSync(join(dir, 'secret.txt'), 'outside the renderer');
const rasterFile = join(dir, 'bytes.bin');
const rasterBytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
writeFileSync(rasterFile, rasterBytes);

const events = new EventBus();
const engine = {
  events,
  servedFile: (id: string) => (id === 'r1' ? { path: rasterFile, size: rasterBytes.length } : null),
  'engine.hello': async () => ({ version: 'test', host: 'test' }),
  'raster.close': async () => { throw Object.assign(new Error('boom')); },
} as unknown as Engine;

let server: WebServer;
beforeAll(async () => {
  server = await startWebServer({ engine, rendererDir, uploadDir: join(dir, 'uploads') });
});
afterAll(async () => server.close());

interface Reply { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }

function get(path: string, headers: Record<string, string> = {}, method = 'GET', body?: Buffer): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function connect(query: string, headers: Record<string, string> = {}): Promise<{ ws: WebSocket } | { status: number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/engine${query}`, { headers });
    ws.on('open', () => resolve({ ws }));
    ws.on('unexpected-response', (_req, res) => resolve({ status: res.statusCode! }));
    ws.on('error', () => undefined);
  });
}

describe('web server guard', () => {
  it('binds to 127.0.0.1 and prints a URL with a long random token', () => {
    expect(server.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${server.port}/\\?token=[A-Za-z0-9_-]{32}$`));
  });

  it('refuses raster bytes without the token, with a wrong token, and from another origin', async () => {
    expect((await get('/raster/r1')).status).toBe(401);
    expect((await get('/raster/r1?token=wrong')).status).toBe(401);
    expect((await get(`/raster/r1?token=${server.token}`, { Origin: 'http://evil.example' })).status).toBe(403);
    expect((await get(`/raster/r1?token=${server.token}`, { Origin: `http://localhost:${server.port}` })).status).toBe(200);
  });

  it('refuses requests whose Host is not this server (DNS rebinding)', async () => {
    expect((await get('/', { Host: `evil.example:${server.port}` })).status).toBe(403);
    expect((await get(`/raster/r1?token=${server.token}`, { Host: 'evil.example' })).status).toBe(403);
  });

  it('refuses a WebSocket without the token, with a wrong token, or from another page', async () => {
    expect(await connect('')).toEqual({ status: 401 });
    expect(await connect('?token=nope')).toEqual({ status: 401 });
    expect(await connect(`?token=${server.token}`, { Origin: 'http://attacker.localhost:8080' })).toEqual({ status: 403 });
  });

  it('refuses uploads without the token', async () => {
    const r = await get('/upload/abcdefgh1234/x.tif', { 'Content-Length': '3' }, 'PUT', Buffer.from('abc'));
    expect(r.status).toBe(401);
  });
});

describe('raster bytes', () => {
  const q = () => `/raster/r1?token=${server.token}`;
  it('serves the whole file with Accept-Ranges', async () => {
    const r = await get(q());
    expect(r.status).toBe(200);
    expect(r.headers['accept-ranges']).toBe('bytes');
    expect(r.body.equals(rasterBytes)).toBe(true);
  });
  it('serves exact byte ranges (206), suffix ranges, and 416 past the end', async () => {
    const a = await get(q(), { Range: 'bytes=100-199' });
    expect(a.status).toBe(206);
    expect(a.headers['content-range']).toBe('bytes 100-199/1000');
    expect(a.body.equals(rasterBytes.subarray(100, 200))).toBe(true);
    const b = await get(q(), { Range: 'bytes=-10' });
    expect(b.status).toBe(206);
    expect(b.body.equals(rasterBytes.subarray(990))).toBe(true);
    const c = await get(q(), { Range: 'bytes=990-5000' });
    expect(c.headers['content-range']).toBe('bytes 990-999/1000');
    expect((await get(q(), { Range: 'bytes=2000-2100' })).status).toBe(416);
  });
  it('answers the token in a header too, and 404 for an unknown raster', async () => {
    expect((await get('/raster/r1', { 'X-SatDiFuser-Token': server.token })).status).toBe(200);
    expect((await get(`/raster/zz?token=${server.token}`)).status).toBe(404);
  });
});

describe('static files', () => {
  it('serves index.html with a strict CSP and no framing', async () => {
    const r = await get('/');
    expect(r.status).toBe(200);
    const csp = String(r.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${server.port}`);
    expect(csp).not.toContain('unsafe-eval');
    expect(r.headers['x-frame-options']).toBe('DENY');
  });
  it('never serves a file outside the renderer folder', async () => {
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt']) {
      const r = await get(p);
      expect(r.status).toBe(404);
      expect(r.body.toString()).not.toContain('outside the renderer');
    }
  });
  it('caches hashed assets', async () => {
    const r = await get('/assets/app-123.js');
    expect(r.headers['cache-control']).toContain('immutable');
    expect(r.headers['content-type']).toContain('javascript');
  });
});

describe('contract over WebSocket', () => {
  it('answers requests, turns errors into typed error responses, and forwards engine events', async () => {
    const c = await connect(`?token=${server.token}`, { Origin: `http://127.0.0.1:${server.port}` });
    if (!('ws' in c)) throw new Error(`refused ${c.status}`);
    const { ws } = c;
    const messages: any[] = [];
    ws.on('message', (d) => messages.push(JSON.parse(d.toString())));
    const waitFor = async (pred: (m: any) => boolean) => {
      for (let i = 0; i < 200; i++) {
        const m = messages.find(pred);
        if (m) return m;
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error('no such message');
    };
    ws.send(JSON.stringify({ kind: 'request', id: 1, method: 'engine.hello', params: {} }));
    expect(await waitFor((m) => m.id === 1)).toEqual({ kind: 'response', id: 1, ok: true, result: { version: 'test', host: 'test' } });
    ws.send(JSON.stringify({ kind: 'request', id: 2, method: 'fs.deleteEverything', params: {} }));
    const bad = await waitFor((m) => m.id === 2);
    expect(bad.ok).toBe(false);
    expect(bad.error.code).toBe('INVALID_ARGUMENT');
    expect(bad.error.message).toContain('fs.deleteEverything');
    ws.send(JSON.stringify({ kind: 'request', id: 3, method: 'raster.close', params: { rasterId: 'x' } }));
    const internal = await waitFor((m) => m.id === 3);
    expect(internal.error).toMatchObject({ code: 'INTERNAL', message: 'boom' });
    expect(internal.error.stack).toBeUndefined();
    ws.send('not json');
    events.emit({ topic: 'job.log', jobId: 'j', level: 'info', message: 'hello' });
    expect((await waitFor((m) => m.kind === 'event')).event.message).toBe('hello');
    ws.close();
  });
});

describe('uploads', () => {
  it('stores a dropped file in the data folder and refuses names that escape it', async () => {
    const ok = await get(`/upload/abcdefgh1234/scene.tif?token=${server.token}`, { 'Content-Length': '5' }, 'PUT', Buffer.from('hello'));
    expect(ok.status).toBe(200);
    const { path } = JSON.parse(ok.body.toString());
    expect(path).toBe(join(dir, 'uploads', 'abcdefgh1234', 'scene.tif'));
    expect(readFileSync(path, 'utf8')).toBe('hello');
    const bad = await get(`/upload/abcdefgh1234/..%2F..%2Fx.tif?token=${server.token}`, { 'Content-Length': '1' }, 'PUT', Buffer.from('x'));
    expect(bad.status).toBe(400);
  });
});
