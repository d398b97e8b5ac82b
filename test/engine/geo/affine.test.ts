// Affine geotransforms (GDAL order) and reprojection of points and polygons.
import { describe, expect, it } from 'vitest';
import type { GeoTransform, PolygonGeometry, Ring } from '../../../src/shared/geometry';
import { crsToPixel, invertGeoTransform, pixelToCrs, scaleTransform, windowTransform } from '../../../src/engine/geo/affine';
import { crsFromEpsg, WGS84 } from '../../../src/engine/geo/crs';
import { parseAoi } from '../../../src/engine/geo/geojson';
import { densifyRing, reprojectPolygon, transformPoint } from '../../../src/engine/geo/reproject';

/** The outer ring of a reprojected polygon; a Polygon must stay a Polygon. */
function outerRing(g: PolygonGeometry): Ring {
  if (g.type !== 'Polygon') throw new Error(`expected a Polygon, got a ${g.type}`);
  return g.coordinates[0];
}

describe('affine', () => {
  const t: GeoTransform = [288776.25, 28.5, 0, 9120760.75, 0, -28.5];
  const rotated: GeoTransform = [350000, 8.66, -5, 4500000, -5, -8.66];

  it('pixel ↔ CRS by hand', () => {
    expect([...pixelToCrs(t, [0, 0])]).toEqual([288776.25, 9120760.75]);
    expect([...pixelToCrs(t, [349, 352])]).toEqual([288776.25 + 349 * 28.5, 9120760.75 - 352 * 28.5]);
    expect([...crsToPixel(t, [288776.25 + 10 * 28.5, 9120760.75 - 3.5 * 28.5])]).toEqual([10, 3.5]);
  });

  it('inverse composes to the identity, rotated transforms included', () => {
    for (const g of [t, rotated]) {
      const inv = invertGeoTransform(g);
      for (const [c, r] of [[0, 0], [12.5, 7.25], [-3, 100]]) {
        const [x, y] = pixelToCrs(g, [c, r]);
        const [c2, r2] = pixelToCrs(inv, [x, y]);
        expect(c2).toBeCloseTo(c, 9);
        expect(r2).toBeCloseTo(r, 9);
      }
    }
    expect(() => invertGeoTransform([0, 1, 2, 0, 2, 4])).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('window and overview transforms', () => {
    expect(windowTransform(t, { x: 100, y: 50 })).toEqual([288776.25 + 2850, 28.5, 0, 9120760.75 - 1425, 0, -28.5]);
    expect(scaleTransform(t, 2, 2)).toEqual([288776.25, 57, 0, 9120760.75, 0, -57]);
  });
});

describe('reprojection', () => {
  it('WGS 84 ↔ UTM round trip to the millimetre', () => {
    const utm = crsFromEpsg(31985);
    const p = transformPoint(WGS84, utm, [-34.9, -8.0]);
    const back = transformPoint(utm, WGS84, p);
    expect(back[0]).toBeCloseTo(-34.9, 8);
    expect(back[1]).toBeCloseTo(-8.0, 8);
    // On the central meridian (-33°) at the equator: false easting and false northing exactly.
    const [x, y] = transformPoint(WGS84, utm, [-33, 0]);
    expect(x).toBeCloseTo(500000, 3);
    expect(y).toBeCloseTo(10000000, 3);
  });

  it('densifies each edge into N segments (closing edge included)', () => {
    const ring = densifyRing([[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]], 4);
    expect(ring.length).toBe(4 * 4 + 1);
    expect(ring[1]).toEqual([1, 0]);
    expect(ring[ring.length - 1]).toEqual(ring[0]);
  });

  it('a lon/lat box reprojected with densification follows the curved image of its edges', () => {
    const box: PolygonGeometry = { type: 'Polygon', coordinates: [[[0, 40], [12, 40], [12, 60], [0, 60], [0, 40]]] };
    const utm = crsFromEpsg(32631);
    const dense = outerRing(reprojectPolygon(box, WGS84, utm, { segments: 20 }));
    const corners = outerRing(reprojectPolygon(box, WGS84, utm, { segments: 1 }));
    expect(dense.length).toBe(81);
    expect(corners.length).toBe(5);
    // The 60°N parallel is curved in UTM: the true image of its midpoint (6°E) is on the densified ring, and
    // more than a kilometre off the straight chord between the projected corners.
    const mid = transformPoint(WGS84, utm, [6, 60]);
    expect(dense.some((p) => Math.hypot(p[0] - mid[0], p[1] - mid[1]) < 1e-6)).toBe(true);
    const [a, b] = [transformPoint(WGS84, utm, [12, 60]), transformPoint(WGS84, utm, [0, 60])];
    const chordY = a[1] + ((mid[0] - a[0]) * (b[1] - a[1])) / (b[0] - a[0]);
    expect(Math.abs(mid[1] - chordY)).toBeGreaterThan(1000);
  });

  it('a point with no image in the target CRS is an INVALID_ARGUMENT, not NaN', () => {
    expect(() => transformPoint(WGS84, crsFromEpsg(3857), [0, 90])).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('GeoJSON AOIs', () => {
  it('geometry, Feature and FeatureCollection; crs member', () => {
    const poly = { type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 1], [0, 0]]] };
    expect(parseAoi(JSON.stringify(poly)).geometry.type).toBe('Polygon');
    const fc = { type: 'FeatureCollection', crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::32632' } },
      features: [{ type: 'Feature', geometry: poly, properties: {} }, { type: 'Feature', geometry: { ...poly, type: 'MultiPolygon', coordinates: [poly.coordinates] } }] };
    const aoi = parseAoi(JSON.stringify(fc));
    expect(aoi.crs.epsg).toBe(32632);
    expect(aoi.geometry.type).toBe('MultiPolygon');
    expect(aoi.geometry.coordinates.length).toBe(2);
    expect(parseAoi(JSON.stringify(poly)).crs).toEqual(WGS84);
  });

  it('bad AOIs are INVALID_ARGUMENT with a reason', () => {
    const cases: [string, RegExp][] = [
      ['{', /not valid JSON/],
      ['{"type":"Point","coordinates":[0,0]}', /Point geometry/],
      ['{"type":"Polygon","coordinates":[[[0,0],[1,1],[0,0]]]}', /fewer than 3/],
      ['{"type":"Polygon","coordinates":[[[0,0],[1,"a"],[2,2],[0,0]]]}', /position/],
      ['{"type":"FeatureCollection","features":[]}', /no polygon/],
      ['{"type":"Polygon","crs":{"type":"name","properties":{"name":"EPSG:99999999"}},"coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}', /crs/],
    ];
    for (const [text, msg] of cases) {
      expect(() => parseAoi(text), text).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(msg) }));
    }
  });
});
