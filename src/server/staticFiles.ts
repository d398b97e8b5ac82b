// Serves the built renderer (out/renderer). Paths are resolved inside the root only; hashed assets are cached.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';

const mime: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png',
  '.ico': 'image/x-icon', '.woff2': 'font/woff2', '.woff': 'font/woff', '.wasm': 'application/wasm', '.map': 'application/json',
};

/** The file under root for a URL path, or null when the path escapes root or names nothing servable. */
export function resolveStaticPath(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath.split('?')[0]!);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const rel = decoded === '/' || decoded === '' ? 'index.html' : decoded.replace(/^\/+/, '');
  const full = resolve(root, normalize(rel));
  const base = resolve(root);
  if (full !== base && !full.startsWith(base + sep)) return null;
  return full;
}

export async function serveStatic(root: string, urlPath: string, res: ServerResponse, headers: Record<string, string>, head: boolean): Promise<boolean> {
  const file = resolveStaticPath(root, urlPath);
  if (!file) return false;
  let size: number;
  try {
    const st = await stat(file);
    if (!st.isFile()) return false;
    size = st.size;
  } catch {
    return false;
  }
  const type = mime[extname(file).toLowerCase()] ?? 'application/octet-stream';
  const immutable = file.includes(`${sep}assets${sep}`);
  res.writeHead(200, {
    ...headers,
    'Content-Type': type,
    'Content-Length': String(size),
    'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    'X-Content-Type-Options': 'nosniff',
  });
  if (head) {
    res.end();
    return true;
  }
  createReadStream(file).pipe(res);
  return true;
}

export const indexPath = (root: string) => join(root, 'index.html');
