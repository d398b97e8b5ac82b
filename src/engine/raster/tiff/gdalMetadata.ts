// GDAL's private TIFF tags: GDAL_NODATA (42113, ASCII) and GDAL_METADATA (42112, an XML list of Items).
export interface GdalMetadataItem {
  readonly name: string;
  readonly value: string;
  /** 0-based band for band-level items, null for dataset-level ones. */
  readonly sample: number | null;
  readonly role: string | null;
  /** Metadata domain (e.g. IMAGERY); null for the default domain. */
  readonly domain: string | null;
}

export function unescapeXml(s: string): string {
  return s.replace(/&(lt|gt|amp|quot|apos|#(\d+)|#x([0-9a-f]+));/gi, (_, e: string, dec?: string, hex?: string) => {
    if (dec) return String.fromCodePoint(Number(dec));
    if (hex) return String.fromCodePoint(parseInt(hex, 16));
    return ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" } as Record<string, string>)[e.toLowerCase()];
  });
}

/** GDAL_METADATA items in file order. Shared by the reader and by `satdifuser cog`, which carries them over. */
export function parseGdalMetadata(xml: string | undefined): GdalMetadataItem[] {
  if (!xml) return [];
  const items: GdalMetadataItem[] = [];
  for (const m of xml.matchAll(/<Item\b([^>]*?)(?:\/>|>([\s\S]*?)<\/Item>)/g)) {
    const attrs = new Map<string, string>();
    for (const a of m[1].matchAll(/(\w+)\s*=\s*"([^"]*)"/g)) attrs.set(a[1], unescapeXml(a[2]));
    const name = attrs.get('name');
    if (!name) continue;
    const sample = attrs.has('sample') ? Number(attrs.get('sample')) : null;
    // GDAL escapes item values twice (once as a value, once as XML text) and unescapes twice on reading.
    items.push({
      name,
      value: unescapeXml(unescapeXml(m[2] ?? '')),
      sample: Number.isInteger(sample) ? sample : null,
      role: attrs.get('role') ?? null,
      domain: attrs.get('domain') || null,
    });
  }
  return items;
}

/** GDAL_NODATA as GDAL parses it ("nan", "inf", "-inf", or a number); null when absent or unparseable. */
export function parseNodata(text: string | undefined): number | null {
  if (text === undefined) return null;
  const s = text.trim().toLowerCase();
  if (s === 'nan' || s === '-nan') return NaN;
  if (s === 'inf' || s === '+inf') return Infinity;
  if (s === '-inf') return -Infinity;
  const v = Number(s);
  return s !== '' && Number.isFinite(v) ? v : null;
}
