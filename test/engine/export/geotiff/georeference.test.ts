import { describe, expect, it } from 'vitest';
import { crsEntries, transformEntries } from '../../../../src/engine/export/geotiff/georeference';
import { MAX_CITATION_BYTES, peCitation } from '../../../../src/engine/export/geotiff/wkt-citation';
import { InvalidArgumentError } from '../../../../src/shared/errors';

const byTag = (entries: { tag: number; values: ArrayLike<number> }[]) => Object.fromEntries(entries.map((e) => [e.tag, Array.from(e.values)]));
const text = (v: number[]) => Buffer.from(v).toString('utf8');

describe('GeoKey directory', () => {
  it('writes a projected EPSG code with its citation (hand-encoded GeoTIFF 1.0 keys)', () => {
    const t = byTag(crsEntries({ kind: 'epsg', code: 31985, geographic: false, name: 'SIRGAS 2000 / UTM zone 25S' }));
    expect(t[34735]).toEqual([
      1, 1, 0, 4,
      1024, 0, 1, 1, // GTModelType = projected
      1025, 0, 1, 1, // GTRasterType = PixelIsArea
      1026, 34737, 27, 0, // GTCitation: 26 characters + '|'
      3072, 0, 1, 31985, // ProjectedCSType
    ]);
    expect(text(t[34737])).toBe('SIRGAS 2000 / UTM zone 25S|\0');
  });

  it('writes a geographic EPSG code as GeographicTypeGeoKey', () => {
    const t = byTag(crsEntries({ kind: 'epsg', code: 4326, geographic: true }));
    expect(t[34735]).toEqual([1, 1, 0, 3, 1024, 0, 1, 2, 1025, 0, 1, 1, 2048, 0, 1, 4326]);
    expect(t[34737]).toBeUndefined();
  });

  it('writes a WKT CRS as user-defined with an ESRI PE citation, counting UTF-8 bytes', () => {
    const wkt = 'GEOGCS["Zürich",DATUM["d",SPHEROID["s",6378137,298.257223563]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]]';
    const t = byTag(crsEntries({ kind: 'wkt', wkt, geographic: true }));
    const citation = `ESRI PE String = ${wkt}|`;
    const bytes = Buffer.byteLength(citation);
    expect(bytes).toBe(citation.length + 1);
    expect(t[34735]).toEqual([1, 1, 0, 4, 1024, 0, 1, 32767, 1025, 0, 1, 1, 2048, 0, 1, 32767, 3073, 34737, bytes, 0]);
    expect(text(t[34737])).toBe(citation + '\0');
  });

  it('copies a source GeoKey directory verbatim', () => {
    const t = byTag(crsEntries({ kind: 'geokeys', directory: [1, 1, 0, 1, 3072, 0, 1, 32633], doubles: [1.5], ascii: 'x|' }));
    expect(t[34735]).toEqual([1, 1, 0, 1, 3072, 0, 1, 32633]);
    expect(t[34736]).toEqual([1.5]);
    expect(text(t[34737])).toBe('x|\0');
  });

  it('rejects codes outside the EPSG range, proj4 strings and malformed directories', () => {
    expect(() => crsEntries({ kind: 'epsg', code: 99999, geographic: false })).toThrow(InvalidArgumentError);
    expect(() => crsEntries({ kind: 'wkt', wkt: '+proj=utm +zone=33', geographic: false })).toThrow(/not WKT/);
    expect(() => crsEntries({ kind: 'geokeys', directory: [1, 1, 0, 2, 1024, 0, 1, 1] })).toThrow(/malformed/);
  });
});

describe('WKT citation length', () => {
  it('keeps short WKT as it is and squeezes pretty-printed WKT2 (whitespace, then USAGE) under GDAL’s limit', () => {
    expect(peCitation(' GEOGCS["a b",X[1]] ')).toBe('ESRI PE String = GEOGCS["a b",X[1]]');
    const pretty = `PROJCRS["My  CRS",\n    BASEGEOGCRS["g",\n        DATUM["d"]],\n    USAGE[\n        SCOPE["${'s'.repeat(3000)}"],\n        AREA["x"]],\n    ID["EPSG",1]]`;
    expect(peCitation(pretty)).toBe('ESRI PE String = PROJCRS["My  CRS",BASEGEOGCRS["g",DATUM["d"]],ID["EPSG",1]]');
    const padded = `GEOGCS["${'n'.repeat(MAX_CITATION_BYTES)}"]`;
    expect(() => peCitation(padded)).toThrow(InvalidArgumentError);
  });
});

describe('raster-to-model transform', () => {
  it('uses tie point + pixel scale for north-up rasters', () => {
    expect(byTag(transformEntries([288776.25, 28.5, 0, 9120760.75, 0, -28.5]))).toEqual({
      33550: [28.5, 28.5, 0],
      33922: [0, 0, 0, 288776.25, 9120760.75, 0],
    });
  });

  it('uses a ModelTransformation for rotated or south-up rasters', () => {
    expect(byTag(transformEntries([500000, 8, -5, 5000000, -5, -8]))).toEqual({ 34264: [8, -5, 0, 500000, -5, -8, 0, 5000000, 0, 0, 0, 0, 0, 0, 0, 1] });
    expect(Object.keys(byTag(transformEntries([0, 1, 0, 0, 0, 1])))).toEqual(['34264']);
  });

  it('rejects a singular transform', () => {
    expect(() => transformEntries([0, 0, 0, 0, 0, -1])).toThrow(InvalidArgumentError);
  });
});
