// GET/HEAD /raster/<rasterId>: the bytes of an open raster with Range support, for ol/source/GeoTIFF.
import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { planByteRange } from '../engine/api/byteRange';

export type ServedFileLookup = (rasterId: string) => { path: string; size: number } | null;

export function serveRasterBytes(rasterId: string, req: IncomingMessage, res: ServerResponse, lookup: ServedFileLookup): void {
  const file = lookup(rasterId);
  if (!file) {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('No open raster has this id.');
    return;
  }
  const range = req.headers.range;
  const plan = planByteRange(file.size, typeof range === 'string' ? range : null);
  res.writeHead(plan.status, plan.headers);
  if (plan.status === 416 || req.method === 'HEAD' || plan.length === 0) {
    res.end();
    return;
  }
  const stream = createReadStream(file.path, { start: plan.start, end: plan.end });
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}
