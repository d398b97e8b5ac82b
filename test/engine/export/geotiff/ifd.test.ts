import { describe, expect, it } from 'vitest';
import { asciiEntry, encodeIfd, ifdByteLength, isInline, numericEntry, writeEntryValues } from '../../../../src/engine/export/geotiff/ifd';
import { FieldType } from '../../../../src/engine/raster/tiff/tags';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('IFD encoding', () => {
  const entries = [
    numericEntry(258, FieldType.SHORT, [8, 8, 8]),
    numericEntry(256, FieldType.SHORT, [5]),
    asciiEntry(305, 'ab'),
  ];

  it('writes a classic IFD: sorted entries, inline values left-justified, pointers to the others', () => {
    const b = encodeIfd(entries, false, new Map([[258, 100]]), 0);
    expect(b.length).toBe(ifdByteLength(3, false));
    expect(hex(b)).toBe([
      '0300',
      '0001' + '0300' + '01000000' + '05000000', // ImageWidth SHORT 1 = 5
      '0201' + '0300' + '03000000' + '64000000', // BitsPerSample SHORT 3 → offset 100
      '3101' + '0200' + '03000000' + '61620000', // Software ASCII "ab\0" inline
      '00000000',
    ].join(''));
  });

  it('writes a BigTIFF IFD: 8-byte counts and pointers, 8 bytes of inline room', () => {
    expect(isInline(entries[0], true)).toBe(true);
    const b = encodeIfd(entries, true, new Map(), 1234);
    expect(hex(b)).toBe([
      '0300000000000000',
      '0001' + '0300' + '0100000000000000' + '0500000000000000',
      '0201' + '0300' + '0300000000000000' + '0800080008000000',
      '3101' + '0200' + '0300000000000000' + '6162000000000000',
      'd204000000000000',
    ].join(''));
  });

  it('writes out-of-line values little-endian, LONG8 and DOUBLE included', () => {
    const buf = Buffer.alloc(24);
    writeEntryValues(buf, 0, numericEntry(324, FieldType.LONG8, [2 ** 40 + 3]));
    writeEntryValues(buf, 8, numericEntry(33550, FieldType.DOUBLE, [0.5, 2]));
    expect(hex(buf)).toBe('0300000000010000' + '000000000000e03f' + '0000000000000040');
  });

  it('refuses a tag twice and an out-of-line value without an offset', () => {
    expect(() => encodeIfd([entries[1], entries[1]], false, new Map(), 0)).toThrow(/twice/);
    expect(() => encodeIfd([entries[0]], false, new Map(), 0)).toThrow(/no offset/);
  });

  it('stores UTF-8 text with its NUL in ASCII entries (as GDAL does for metadata)', () => {
    expect(Array.from(asciiEntry(42112, "é").values)).toEqual([0xc3, 0xa9, 0]);
  });
});
