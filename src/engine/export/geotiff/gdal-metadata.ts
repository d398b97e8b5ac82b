// GDAL's private metadata: the GDAL_METADATA XML tag (dataset and band items, as GDAL's GTiff driver
// writes and reads them) and the PAM sidecar (.aux.xml) that is the only place GDAL keeps category
// names for a GeoTIFF (GDAL 3.6's GTiff driver writes SetCategoryNames to PAM, never into the TIFF).
import { InvalidArgumentError } from '../../../shared/errors';

export interface MetadataItem {
  readonly name: string;
  readonly value: string;
  /** 0-based band index for band metadata; absent for the dataset. */
  readonly band?: number;
  /** GDAL roles GDAL itself understands: description, offset, scale, unittype, colorinterp. */
  readonly role?: 'description' | 'offset' | 'scale' | 'unittype' | 'colorinterp';
  readonly domain?: string;
}

/** What a written mask or raster came from; each field becomes one dataset metadata item. */
export interface Provenance {
  readonly model?: string;
  readonly head?: string;
  readonly fusion?: string;
  readonly tiling?: string;
  readonly sourceFile?: string;
  /** Anything else worth keeping (keys become upper-case item names). */
  readonly extra?: Readonly<Record<string, string>>;
}

const escapeXml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const validName = /^[A-Za-z_][A-Za-z0-9_.:-]*$/;

function checkText(what: string, s: string): void {
  // XML 1.0 cannot carry these control characters at all, escaped or not.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(s)) {
    throw new InvalidArgumentError(`The metadata ${what} contains control characters that XML cannot hold.`, 'Remove them (tabs and newlines are fine).');
  }
}

export function provenanceItems(p: Provenance): MetadataItem[] {
  const items: MetadataItem[] = [];
  const add = (name: string, value: string | undefined) => { if (value !== undefined && value !== '') items.push({ name, value }); };
  add('MODEL', p.model);
  add('HEAD', p.head);
  add('FUSION', p.fusion);
  add('TILING', p.tiling);
  add('SOURCE_FILE', p.sourceFile);
  for (const [k, v] of Object.entries(p.extra ?? {})) add(k.toUpperCase(), v);
  return items;
}

/** Band items that keep class names inside the TIFF itself (CLASS_<value>=name), readable by any GDAL. */
export function classNameItems(classNames: readonly (string | null)[], band = 0): MetadataItem[] {
  const items: MetadataItem[] = [];
  classNames.forEach((n, value) => { if (n) items.push({ name: `CLASS_${value}`, value: n, band }); });
  return items;
}

/** The GDAL_METADATA tag text, or null when there is nothing to write. */
export function gdalMetadataXml(items: readonly MetadataItem[]): string | null {
  if (items.length === 0) return null;
  const lines = ['<GDALMetadata>'];
  for (const it of items) {
    if (!validName.test(it.name)) {
      throw new InvalidArgumentError(`"${it.name}" is not a valid metadata item name.`, 'Use letters, digits and underscores, starting with a letter (e.g. MODEL, SOURCE_FILE).');
    }
    checkText(`item ${it.name}`, it.value);
    let attrs = `name="${escapeXml(it.name)}"`;
    if (it.domain) attrs += ` domain="${escapeXml(it.domain)}"`;
    if (it.band !== undefined) attrs += ` sample="${it.band}"`;
    if (it.role) attrs += ` role="${it.role}"`;
    // GDAL escapes an item's value once as a value and once more as XML text, and unescapes twice on reading:
    // escaped only once, a value like "R&amp;D" would come back from GDAL as "R&D".
    lines.push(`  <Item ${attrs}>${escapeXml(escapeXml(it.value))}</Item>`);
  }
  lines.push('</GDALMetadata>');
  return lines.join('\n') + '\n';
}

/** A PAM sidecar with category names for band 1, as GDAL writes it (so gdalinfo lists "Categories"). */
export function pamCategoriesXml(classNames: readonly (string | null)[]): string {
  const cats = classNames.map((n) => {
    checkText('class name', n ?? '');
    return n ? `      <Category>${escapeXml(n)}</Category>` : '      <Category />';
  });
  return ['<PAMDataset>', '  <PAMRasterBand band="1">', '    <CategoryNames>', ...cats, '    </CategoryNames>', '  </PAMRasterBand>', '</PAMDataset>', ''].join('\n');
}
