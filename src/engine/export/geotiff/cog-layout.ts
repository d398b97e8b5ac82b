// Byte layout of a cloud-optimized GeoTIFF, as GDAL's COG driver writes it:
//   header | GDAL structural metadata ("ghost area") | every IFD, full resolution first, each followed
//   by its small out-of-line values | the tile offset/byte-count arrays | tile data, smallest overview
//   first and full resolution last, each tile row-major (plane by plane), wrapped in a 4-byte size
//   leader and a trailer repeating its last 4 bytes.
// A reader that fetches the first few KB thus has every IFD; the leader/trailer let GDAL detect a
// file edited after the fact. Everything here is pure: sizes in, offsets and header bytes out.
import { encodeIfd, entryByteLength, ifdByteLength, isInline, numericEntry, writeEntryValues, type IfdEntry } from './ifd';
import { FieldType, Tag } from '../../raster/tiff/tags';
import { InvalidArgumentError } from '../../../shared/errors';

export const GHOST_AREA = (() => {
  const body = 'LAYOUT=IFDS_BEFORE_DATA\nBLOCK_ORDER=ROW_MAJOR\nBLOCK_LEADER=SIZE_AS_UINT4\nBLOCK_TRAILER=LAST_4_BYTES_REPEATED\nKNOWN_INCOMPATIBLE_EDITION=NO\n ';
  return `GDAL_STRUCTURAL_METADATA_SIZE=${String(body.length).padStart(6, '0')} bytes\n${body}`;
})();

export const TILE_LEADER = 4;
export const TILE_TRAILER = 4;
const CLASSIC_LIMIT = 0xffffffff;

export interface LayoutLevel {
  /** Every entry of the IFD except TileOffsets and TileByteCounts. */
  readonly entries: readonly IfdEntry[];
  /** Tiles in TIFF order (plane by plane, row-major); their compressed lengths. */
  readonly tileLengths: ArrayLike<number>;
}

export interface CogLayout {
  readonly bigTiff: boolean;
  /** Bytes from offset 0 up to the first tile leader. */
  readonly head: Buffer;
  /** File offset of the data of each tile (after its leader), per level. */
  readonly tileOffsets: readonly Float64Array[];
  readonly totalSize: number;
  readonly ifdOffsets: readonly number[];
}

const align2 = (n: number) => n + (n & 1);

function plan(levels: readonly LayoutLevel[], bigTiff: boolean): CogLayout {
  const headerSize = bigTiff ? 16 : 8;
  const offType = bigTiff ? FieldType.LONG8 : FieldType.LONG;
  // Tile arrays with placeholder values: their sizes are known before their values.
  const arrays = levels.map((l) => ({
    offsets: numericEntry(Tag.TileOffsets, offType, new Float64Array(l.tileLengths.length)),
    counts: numericEntry(Tag.TileByteCounts, offType, Float64Array.from(l.tileLengths)),
  }));
  let pos = align2(headerSize + GHOST_AREA.length);
  const ifdOffsets: number[] = [];
  const placed: Map<number, number>[] = [];
  for (let i = 0; i < levels.length; i++) {
    const entryCount = levels[i].entries.length + 2;
    ifdOffsets.push(pos);
    pos = align2(pos + ifdByteLength(entryCount, bigTiff));
    const at = new Map<number, number>();
    for (const e of levels[i].entries) {
      if (isInline(e, bigTiff)) continue;
      at.set(e.tag, pos);
      pos = align2(pos + entryByteLength(e));
    }
    placed.push(at);
  }
  for (let i = 0; i < levels.length; i++) {
    for (const e of [arrays[i].offsets, arrays[i].counts]) {
      if (isInline(e, bigTiff)) continue;
      placed[i].set(e.tag, pos);
      pos = align2(pos + entryByteLength(e));
    }
  }
  const headEnd = pos;
  const tileOffsets = levels.map((l) => new Float64Array(l.tileLengths.length));
  for (let i = levels.length - 1; i >= 0; i--) {
    const lengths = levels[i].tileLengths;
    const offs = tileOffsets[i];
    for (let t = 0; t < lengths.length; t++) {
      pos += TILE_LEADER;
      offs[t] = pos;
      pos += lengths[t] + TILE_TRAILER;
    }
    (arrays[i].offsets.values as Float64Array).set(offs);
  }
  const totalSize = pos;
  const head = Buffer.alloc(headEnd);
  if (!bigTiff && totalSize > CLASSIC_LIMIT) return { bigTiff, head, tileOffsets, totalSize, ifdOffsets };
  head.write('II', 0, 'latin1');
  if (bigTiff) {
    head.writeUInt16LE(43, 2);
    head.writeUInt16LE(8, 4);
    head.writeUInt16LE(0, 6);
    head.writeBigUInt64LE(BigInt(ifdOffsets[0]), 8);
  } else {
    head.writeUInt16LE(42, 2);
    head.writeUInt32LE(ifdOffsets[0], 4);
  }
  head.write(GHOST_AREA, headerSize, 'latin1');
  for (let i = 0; i < levels.length; i++) {
    const all = [...levels[i].entries, arrays[i].offsets, arrays[i].counts];
    const next = i + 1 < levels.length ? ifdOffsets[i + 1] : 0;
    encodeIfd(all, bigTiff, placed[i], next).copy(head, ifdOffsets[i]);
    for (const e of all) {
      const at = placed[i].get(e.tag);
      if (at !== undefined) writeEntryValues(head, at, e);
    }
  }
  return { bigTiff, head, tileOffsets, totalSize, ifdOffsets };
}

/** Plans the file; 'auto' switches to BigTIFF only when a classic TIFF cannot address it. */
export function planCogLayout(levels: readonly LayoutLevel[], bigTiff: 'auto' | 'yes' | 'no'): CogLayout {
  if (bigTiff === 'yes') return plan(levels, true);
  const classic = plan(levels, false);
  if (classic.totalSize <= CLASSIC_LIMIT) return classic;
  if (bigTiff === 'no') {
    throw new InvalidArgumentError(`The file would be ${classic.totalSize} bytes, more than a classic TIFF can address (4 GiB).`, 'Allow BigTIFF (bigTiff "auto" or "yes"), or write a smaller area.', { bytes: classic.totalSize });
  }
  return plan(levels, true);
}
