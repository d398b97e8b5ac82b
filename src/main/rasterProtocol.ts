// satdifuser://raster/<rasterId>: the bytes of an open raster for ol/source/GeoTIFF, with HTTP range semantics
// (geotiff.js reads COG headers and tiles with small Range requests). The engine runs in another process, so
// the file behind an id is looked up there; main only streams bytes.
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { planByteRange } from '../engine/api/byteRange';

export const APP_SCHEME = 'satdifuser';

export const schemePrivileges = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true, corsEnabled: true },
} as const;

export type ServedFileLookup = (rasterId: string) => Promise<{ path: string; size: number } | null>;

const cors = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Headers': 'Range',
  'Access-Control-Expose-Headers': 'Content-Range, Content-Length, Accept-Ranges',
};

function text(status: number, body: string): Response {
  return new Response(body, { status, headers: { 'Content-Type': 'text/plain; charset=utf-8', ...cors } });
}

export function rasterProtocolHandler(lookup: ServedFileLookup): (request: Request) => Promise<Response> {
  return async (request) => {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return text(400, 'Bad URL.');
    }
    const m = /^\/([A-Za-z0-9-]+)$/.exec(url.pathname);
    if (url.host !== 'raster' || !m) return text(404, 'Not found.');
    if (request.method === 'OPTIONS') return new Response(null, { status: 204, headers: cors });
    if (request.method !== 'GET' && request.method !== 'HEAD') return text(405, 'Method not allowed.');
    const file = await lookup(m[1]!);
    if (!file) return text(404, 'No open raster has this id.');
    const plan = planByteRange(file.size, request.headers.get('range'));
    const headers = { ...plan.headers, ...cors };
    if (plan.status === 416 || request.method === 'HEAD' || plan.length === 0) return new Response(null, { status: plan.status, headers });
    const body = Readable.toWeb(createReadStream(file.path, { start: plan.start, end: plan.end })) as unknown as ReadableStream<Uint8Array>;
    return new Response(body, { status: plan.status, headers });
  };
}
