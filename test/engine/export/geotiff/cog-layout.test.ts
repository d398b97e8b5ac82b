import { describe, expect, it } from 'vitest';
import { GHOST_AREA, planCogLayout } from '../../../../src/engine/export/geotiff/cog-layout';
import { numericEntry } from '../../../../src/engine/export/geotiff/ifd';
import { FieldType } from '../../../../src/engine/raster/tiff/tags';
import { InvalidArgumentError } from '../../../../src/shared/errors';

const level = (w: number, lengths: number[]) => ({ entries: [numericEntry(256, FieldType.SHORT, [w]), numericEntry(257, FieldType.SHORT, [w])], tileLengths: lengths });

describe('COG byte layout', () => {
  it('writes the ghost area exactly as GDAL 3.6 does (140 bytes of structural metadata)', () => {
    expect(GHOST_AREA).toBe('GDAL_STRUCTURAL_METADATA_SIZE=000140 bytes\nLAYOUT=IFDS_BEFORE_DATA\nBLOCK_ORDER=ROW_MAJOR\nBLOCK_LEADER=SIZE_AS_UINT4\nBLOCK_TRAILER=LAST_4_BYTES_REPEATED\nKNOWN_INCOMPATIBLE_EDITION=NO\n ');
  });

  it('puts every IFD first (the first at byte 192, as GDAL), then data from the smallest level to full resolution', () => {
    const l = planCogLayout([level(64, [10, 20, 30, 40]), level(32, [7])], 'auto');
    expect(l.bigTiff).toBe(false);
    expect(l.head.toString('latin1', 0, 4)).toBe('II*\0');
    expect(l.head.readUInt32LE(4)).toBe(192);
    expect(l.ifdOffsets[0]).toBe(192);
    // IFD0: 2 + 4×12 + 4 = 54 bytes; IFD1 follows it.
    expect(l.ifdOffsets[1]).toBe(192 + 54);
    // Then IFD0's 4-entry offset and count arrays (16 bytes each); IFD1's single tile is inline.
    const dataStart = 192 + 54 + 54 + 32;
    expect(l.head.length).toBe(dataStart);
    // Overview tile first: leader (4) + data (7) + trailer (4); then full-resolution tiles in order.
    expect(l.tileOffsets[1][0]).toBe(dataStart + 4);
    const first = dataStart + 4 + 7 + 4;
    expect([...l.tileOffsets[0]]).toEqual([first + 4, first + 4 + 18, first + 4 + 18 + 28, first + 4 + 18 + 28 + 38]);
    expect(l.totalSize).toBe(first + 100 + 4 * 8);
    // IFD0 points at IFD1 and its TileOffsets array holds the planned offsets.
    const ifd0Next = l.head.readUInt32LE(192 + 2 + 4 * 12);
    expect(ifd0Next).toBe(l.ifdOffsets[1]);
    const offsetsAt = l.head.readUInt32LE(192 + 2 + 2 * 12 + 8);
    expect([0, 1, 2, 3].map((i) => l.head.readUInt32LE(offsetsAt + 4 * i))).toEqual([...l.tileOffsets[0]]);
  });

  it('switches to BigTIFF only when the file passes 4 GiB, and refuses when BigTIFF is forbidden', () => {
    const small = [level(64, [1000])];
    expect(planCogLayout(small, 'auto').bigTiff).toBe(false);
    const forced = planCogLayout(small, 'yes');
    expect(forced.bigTiff).toBe(true);
    expect(forced.head.readUInt16LE(2)).toBe(43);
    expect(Number(forced.head.readBigUInt64LE(8))).toBe(forced.ifdOffsets[0]);
    // Planning needs only the tile sizes, so a >4 GiB file is planned without writing it.
    const huge = [level(60000, Array.from({ length: 5 }, () => 1_000_000_000))];
    const h = planCogLayout(huge, 'auto');
    expect(h.bigTiff).toBe(true);
    expect(h.totalSize).toBeGreaterThan(2 ** 32);
    expect(() => planCogLayout(huge, 'no')).toThrow(InvalidArgumentError);
    // Head = 192 + one 4-entry IFD (54 bytes, the single tile's offset and count inline) = 246; the
    // tile adds leader and trailer. A file of exactly 2^32 - 1 bytes is still classic; one more is not.
    const fits = 2 ** 32 - 1 - 246 - 8;
    expect(planCogLayout([level(60000, [fits])], 'auto')).toMatchObject({ bigTiff: false, totalSize: 2 ** 32 - 1 });
    expect(planCogLayout([level(60000, [fits + 1])], 'auto').bigTiff).toBe(true);
  });
});
