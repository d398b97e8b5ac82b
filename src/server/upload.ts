// PUT /upload/<batch>/<name>: a file dropped on the page in web mode. The browser cannot tell the server a local
// path, so the bytes are stored in the engine's data folder and opened from there. A batch keeps a dropped
// shapefile's .shp/.dbf/.prj together in one folder.
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';

export const MAX_UPLOAD_BYTES = 4 * 1024 ** 3;

export async function receiveUpload(batch: string, name: string, req: IncomingMessage, res: ServerResponse, uploadDir: string): Promise<void> {
  const safeName = basename(name);
  if (!/^[A-Za-z0-9-]{8,64}$/.test(batch) || !safeName || safeName.startsWith('.') || safeName !== name) {
    res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('Bad upload name.');
    return;
  }
  const length = Number(req.headers['content-length'] ?? NaN);
  if (!Number.isFinite(length) || length > MAX_UPLOAD_BYTES) {
    res.writeHead(413, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('Upload too large or without Content-Length (limit 4 GiB).');
    return;
  }
  const dir = join(uploadDir, batch);
  await mkdir(dir, { recursive: true });
  const target = join(dir, safeName);
  const tmp = `${target}.part`;
  try {
    await pipeline(req, createWriteStream(tmp));
    await rename(tmp, target);
  } catch {
    await rm(tmp, { force: true });
    if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('The upload was interrupted.');
    return;
  }
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ path: target }));
}
