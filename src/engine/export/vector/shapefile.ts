// An ESRI Shapefile (.shp/.shx/.dbf) written by @mapbox/shp-write, plus what it lacks: a .cpg saying
// UTF-8 (the .dbf strings are written as UTF-8 bytes, so non-ASCII class names survive) and a .prj with
// the CRS's ESRI WKT. Rings follow the Shapefile rule (outer clockwise, holes counter-clockwise). All
// files are renamed into place together, the .shp last.
import shpwrite from '@mapbox/shp-write';
import { writeFileSync } from 'node:fs';
import { InvalidArgumentError, throwIfCancelled } from '../../../shared/errors';
import type { CrsInfo } from '../../../shared/geometry';
import { writeAtomically } from '../atomic';
import { esriWkt } from './crsWkt';
import { orientRings, type VectorFeature } from './features';

export interface ShapefileOptions {
  readonly crs: CrsInfo | null;
  readonly signal?: AbortSignal;
}

/** UTF-8 bytes as a one-char-per-byte string (what the dBASE writer copies byte by byte), ≤ maxBytes, cut on a character boundary. */
export function utf8ByteString(s: string, maxBytes = 254): string {
  let bytes = Buffer.from(s, 'utf8');
  if (bytes.length > maxBytes) {
    let end = maxBytes;
    while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
    bytes = bytes.subarray(0, end);
  }
  return bytes.toString('latin1');
}

const view = (v: DataView) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);

export async function writeShapefile(path: string, features: readonly VectorFeature[], o: ShapefileOptions): Promise<{ path: string; features: number; prj: boolean }> {
  if (!/\.shp$/i.test(path)) throw new InvalidArgumentError(`A Shapefile path must end in .shp (got "${path}").`, 'e.g. --vector classes.shp');
  if (features.length === 0) throw new InvalidArgumentError('There are no polygons to write.', 'Lower the minimum area, or check that the mask has classes in the area.');
  throwIfCancelled(o.signal, 'Writing the Shapefile');
  const base = path.slice(0, -4);
  const rows = features.map((f) => ({
    class_id: f.attributes.class_id,
    class_name: utf8ByteString(f.attributes.class_name),
    area: Math.round(f.attributes.area * 1000) / 1000,
    mean_prob: f.attributes.mean_prob === null ? null : Math.round(f.attributes.mean_prob * 1000) / 1000,
    source: utf8ByteString(f.attributes.source),
    model: utf8ByteString(f.attributes.model),
    head: utf8ByteString(f.attributes.head),
  }));
  const geometries = features.map((f) => orientRings(f.rings, false));
  const files = await new Promise<{ shp: DataView; shx: DataView; dbf: DataView }>((resolve, reject) => {
    try {
      shpwrite.write(rows, 'POLYGON', geometries, (err: unknown, out: { shp: DataView; shx: DataView; dbf: DataView }) => (err ? reject(err) : resolve(out)));
    } catch (e) {
      reject(e);
    }
  });
  const wkt = o.crs ? esriWkt(o.crs) : null;
  const targets = [`${base}.shp`, `${base}.shx`, `${base}.dbf`, `${base}.cpg`, ...(wkt ? [`${base}.prj`] : [])];
  await writeAtomically(targets, (tmps) => {
    writeFileSync(tmps[0], view(files.shp));
    writeFileSync(tmps[1], view(files.shx));
    writeFileSync(tmps[2], view(files.dbf));
    writeFileSync(tmps[3], 'UTF-8');
    if (wkt) writeFileSync(tmps[4], wkt);
  });
  return { path, features: features.length, prj: wkt !== null };
}
