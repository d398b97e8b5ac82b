// satdifuser://raster/<id>: byte ranges exactly as an HTTP server would answer them, and nothing else.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rasterProtocolHandler, schemePrivileges } from '../../src/main/rasterProtocol';

const dir = mkdtempSync(join(tmpdir(), 'sdf-proto-'));
const file = join(dir, 'r.bin');
const bytes = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7) % 256));
writeFileSync(file, bytes);
const handler = rasterProtocolHandler(async (id) => (id === 'abc-1' ? { path: file, size: bytes.length } : null));
const req = (url: string, headers: Record<string, string> = {}, method = 'GET') => handler(new Request(url, { headers, method }));

describe('raster protocol', () => {
  it('is registered as a secure, fetchable, streaming scheme', () => {
    expect(schemePrivileges.privileges).toMatchObject({ standard: true, secure: true, supportFetchAPI: true, stream: true });
  });

  it('serves byte ranges with 206 and Content-Range', async () => {
    const r = await req('satdifuser://raster/abc-1', { Range: 'bytes=1000-1999' });
    expect(r.status).toBe(206);
    expect(r.headers.get('content-range')).toBe('bytes 1000-1999/4096');
    expect(Buffer.from(await r.arrayBuffer()).equals(bytes.subarray(1000, 2000))).toBe(true);
  });

  it('serves the whole file without a Range header, and 416 past the end', async () => {
    const r = await req('satdifuser://raster/abc-1');
    expect(r.status).toBe(200);
    expect(r.headers.get('accept-ranges')).toBe('bytes');
    expect(Buffer.from(await r.arrayBuffer()).equals(bytes)).toBe(true);
    expect((await req('satdifuser://raster/abc-1', { Range: 'bytes=5000-6000' })).status).toBe(416);
  });

  it('answers 404 for unknown ids, other hosts and paths, and 405 for writes', async () => {
    expect((await req('satdifuser://raster/nope')).status).toBe(404);
    expect((await req('satdifuser://files/abc-1')).status).toBe(404);
    expect((await req('satdifuser://raster/../../etc/passwd')).status).toBe(404);
    expect((await req('satdifuser://raster/abc-1', {}, 'DELETE')).status).toBe(405);
  });
});
