// GeoPackageBinary geometry blobs (OGC 12-128r18 §2.1.3): "GP", version 0, flags (little-endian, envelope
// [minx, maxx, miny, maxy]), srs_id, the envelope, then the geometry as standard little-endian WKB.
import type { PolygonCoords } from '../../../shared/geometry';
import { bboxOf } from './features';

export function wkbPolygon(rings: PolygonCoords): Buffer {
  const points = rings.reduce((n, r) => n + r.length, 0);
  const b = Buffer.alloc(1 + 4 + 4 + rings.length * 4 + points * 16);
  let o = 0;
  b.writeUInt8(1, o); o += 1; // little-endian
  b.writeUInt32LE(3, o); o += 4; // wkbPolygon
  b.writeUInt32LE(rings.length, o); o += 4;
  for (const r of rings) {
    b.writeUInt32LE(r.length, o); o += 4;
    for (const [x, y] of r) {
      b.writeDoubleLE(x, o); o += 8;
      b.writeDoubleLE(y, o); o += 8;
    }
  }
  return b;
}

export function gpkgPolygonBlob(rings: PolygonCoords, srsId: number): { blob: Buffer; bbox: [number, number, number, number] } {
  const bbox = bboxOf(rings);
  const header = Buffer.alloc(8 + 32);
  header.write('GP', 0, 'ascii');
  header.writeUInt8(0, 2); // version 1.0
  header.writeUInt8(0b0000_0011, 3); // envelope code 1 ([minx, maxx, miny, maxy]), little-endian
  header.writeInt32LE(srsId, 4);
  header.writeDoubleLE(bbox[0], 8);
  header.writeDoubleLE(bbox[2], 16);
  header.writeDoubleLE(bbox[1], 24);
  header.writeDoubleLE(bbox[3], 32);
  return { blob: Buffer.concat([header, wkbPolygon(rings)]), bbox };
}
