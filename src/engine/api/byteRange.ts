// Byte ranges for serving raster files to the map (web mode over HTTP, desktop over the custom protocol).
// geotiff.js reads a COG with many small `Range: bytes=a-b` requests; one range per response is all it needs,
// so a multi-range request is answered with the first range (RFC 9110 allows serving a subset).
import parseRange from 'range-parser';

export type ByteRangePlan =
  | { readonly status: 200; readonly start: 0; readonly end: number; readonly length: number; readonly headers: Record<string, string> }
  | { readonly status: 206; readonly start: number; readonly end: number; readonly length: number; readonly headers: Record<string, string> }
  | { readonly status: 416; readonly headers: Record<string, string> };

/** What to send for a file of `size` bytes given the request's Range header (end is inclusive). */
export function planByteRange(size: number, rangeHeader: string | null | undefined, contentType = 'image/tiff'): ByteRangePlan {
  const base = { 'Accept-Ranges': 'bytes', 'Content-Type': contentType, 'Cache-Control': 'no-store' };
  if (!rangeHeader) {
    return { status: 200, start: 0, end: size - 1, length: size, headers: { ...base, 'Content-Length': String(size) } };
  }
  const parsed = parseRange(size, rangeHeader, { combine: true });
  if (parsed === -1 || (Array.isArray(parsed) && parsed.length === 0)) {
    return { status: 416, headers: { ...base, 'Content-Range': `bytes */${size}` } };
  }
  if (parsed === -2 || parsed.type !== 'bytes') {
    // Malformed or not a byte range: RFC 9110 says ignore the header and send the whole file.
    return { status: 200, start: 0, end: size - 1, length: size, headers: { ...base, 'Content-Length': String(size) } };
  }
  const { start, end } = parsed[0]!;
  const length = end - start + 1;
  return {
    status: 206, start, end, length,
    headers: { ...base, 'Content-Length': String(length), 'Content-Range': `bytes ${start}-${end}/${size}` },
  };
}
