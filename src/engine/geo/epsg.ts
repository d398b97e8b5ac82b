// Offline EPSG lookup from the bundled table (resources/crs/epsg.tsv.gz, built by tools/crs/build_epsg.py from
// PROJ's proj.db): every projected and geographic CRS a GeoTIFF can name, as proj4 definitions.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { CrsInfo } from '../../shared/geometry';
import { resourcePath } from './resources';

export interface EpsgEntry extends CrsInfo {
  readonly epsg: number;
  readonly kind: 'projected' | 'geographic';
}

let table: Map<number, EpsgEntry> | null = null;
let tableVersion = '';

function load(): Map<number, EpsgEntry> {
  if (table) return table;
  const text = gunzipSync(readFileSync(resourcePath('crs', 'epsg.tsv.gz'))).toString('utf8');
  const map = new Map<number, EpsgEntry>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) {
      tableVersion = line.slice(2);
      continue;
    }
    if (!line) continue;
    const [code, kind, units, name, definition] = line.split('\t');
    const epsg = Number(code);
    map.set(epsg, {
      epsg,
      kind: kind === 'G' ? 'geographic' : 'projected',
      units: units as CrsInfo['units'],
      name,
      definition,
    });
  }
  table = map;
  return map;
}

export function lookupEpsg(code: number): EpsgEntry | null {
  return load().get(code) ?? null;
}

export function epsgCodes(): number[] {
  return [...load().keys()];
}

/** e.g. "EPSG v10.076 from PROJ 9.1.1 proj.db". */
export function epsgTableVersion(): string {
  load();
  return tableVersion;
}
