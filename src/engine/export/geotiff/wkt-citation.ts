// A WKT short enough for GDAL's ESRI PE citation reader, which stops at 2399 bytes of citation
// (measured on GDAL 3.6: 2399 reads back, 2400 fails with "missing ["). Pretty-printed WKT2 from PROJ
// is often longer, mostly in layout whitespace and USAGE blocks (scope and area of use), which say
// nothing about the coordinates, so those go first.
import { InvalidArgumentError } from '../../../shared/errors';

export const PE_PREFIX = 'ESRI PE String = ';
export const MAX_CITATION_BYTES = 2399;

/** Removes whitespace outside quoted strings. */
function squeeze(wkt: string): string {
  let out = '';
  let quoted = false;
  for (const ch of wkt.trim()) {
    if (ch === '"') quoted = !quoted;
    // WKT needs no whitespace between tokens: keywords, numbers and strings are delimited by [ , ] ".
    if (!quoted && /\s/.test(ch)) continue;
    out += ch;
  }
  return out;
}

/** Removes every `NAME[...]` node (balanced brackets, quotes respected) with its leading comma. */
function dropNodes(wkt: string, names: readonly string[]): string {
  let s = wkt;
  for (const name of names) {
    for (;;) {
      const m = new RegExp(`,${name}\\[`, 'i').exec(s);
      if (!m) break;
      let depth = 0;
      let quoted = false;
      let end = -1;
      for (let i = m.index + m[0].length - 1; i < s.length; i++) {
        const ch = s[i];
        if (ch === '"') quoted = !quoted;
        else if (!quoted && ch === '[') depth++;
        else if (!quoted && ch === ']' && --depth === 0) { end = i + 1; break; }
      }
      if (end < 0) break;
      s = s.slice(0, m.index) + s.slice(end);
    }
  }
  return s;
}

const bytes = (s: string) => Buffer.byteLength(PE_PREFIX + s, 'utf8');

/** The citation text for `wkt`, compacted as needed; throws if it cannot fit. */
export function peCitation(wkt: string): string {
  let s = wkt.trim();
  if (bytes(s) > MAX_CITATION_BYTES) s = squeeze(s);
  if (bytes(s) > MAX_CITATION_BYTES) s = dropNodes(s, ['USAGE', 'SCOPE', 'AREA', 'BBOX', 'REMARK']);
  if (bytes(s) > MAX_CITATION_BYTES) {
    throw new InvalidArgumentError(`The CRS WKT is ${Buffer.byteLength(s)} bytes even without layout and usage notes; GDAL reads at most ${MAX_CITATION_BYTES - PE_PREFIX.length} from a GeoTIFF.`, 'Give the CRS as an EPSG code, or as the shorter WKT1 (gdalsrsinfo -o wkt1 …).', { bytes: Buffer.byteLength(s) });
  }
  return PE_PREFIX + s;
}
