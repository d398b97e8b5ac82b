// Georeferencing read from GeoTIFF tags: transforms (tie point + scale, ModelTransformation, PixelIsPoint),
// EPSG and user-defined CRSs rebuilt from GeoKeys (checked by projecting points with proj4 and with PROJ),
// band names from GDAL_METADATA, and rasters without georeferencing.
import proj4 from 'proj4';
import { afterAll, describe, expect, it } from 'vitest';
import { openRaster } from '../../../src/engine/raster/open';
import { cleanup, gdalinfoJson, gdalToGeographic, hasGdalCli, hasGdalPython, makeRaster, type FixtureSpec } from './fixtures';

afterAll(cleanup);

const base: FixtureSpec = { width: 40, height: 30, bands: 1, dtype: 'uint8' };

function expectTransformClose(got: readonly number[], want: readonly number[]): void {
  got.forEach((v, i) => expect(v).toBeCloseTo(want[i], 6));
}

describe.skipIf(!hasGdalPython || !hasGdalCli)('georeferencing', () => {
  it('EPSG projected and geographic CRSs, north-up transforms', async () => {
    for (const [srs, gt, epsg] of [
      ['EPSG:32632', [500000, 10, 0, 5300000, 0, -10], 32632],
      ['EPSG:4326', [5.5, 0.001, 0, 46.2, 0, -0.001], 4326],
      ['EPSG:3857', [-20037508.34, 1000, 0, 20037508.34, 0, -1000], 3857],
      ['EPSG:2056', [2600000, 0.5, 0, 1200000, 0, -0.5], 2056],
    ] as const) {
      const path = makeRaster({ ...base, srs, gt: [...gt] });
      const src = await openRaster(path);
      expect(src.info.epsg).toBe(epsg);
      expect(src.info.georeferenced).toBe(true);
      expectTransformClose(src.info.transform, gdalinfoJson(path).geoTransform);
      expect(src.info.origin).toEqual([src.info.transform[0], src.info.transform[3]]);
      await src.close();
    }
  });

  it('PixelIsPoint: the half-pixel shift GDAL applies', async () => {
    const path = makeRaster({ ...base, srs: 'EPSG:32633', gt: [400000, 30, 0, 6000000, 0, -30], pixelIsPoint: true });
    const src = await openRaster(path);
    expectTransformClose(src.info.transform, gdalinfoJson(path).geoTransform);
    expectTransformClose(src.info.transform, [400000, 30, 0, 6000000, 0, -30]);
    await src.close();
  });

  it('rotated transform (ModelTransformation tag)', async () => {
    const gt = [350000, 8.66, -5, 4500000, -5, -8.66];
    const path = makeRaster({ ...base, srs: 'EPSG:32610', gt });
    const src = await openRaster(path);
    expectTransformClose(src.info.transform, gt);
    await src.close();
  });

  const userDefined: [string, string, number[]][] = [
    ['Lambert conformal conic 2SP, international ellipsoid with a datum shift',
      '+proj=lcc +lat_1=45 +lat_2=55 +lat_0=50 +lon_0=10 +x_0=100000 +y_0=200000 +ellps=intl +towgs84=-87,-98,-121,0,0,0,0 +units=m +no_defs',
      [50000, 400000, 30, 0, -30]],
    ['transverse Mercator in US survey feet', '+proj=tmerc +lat_0=31 +lon_0=-110.1666667 +k=0.9999 +x_0=213360 +y_0=0 +ellps=GRS80 +units=us-ft +no_defs',
      [600000, 500000, 10, 0, -10]],
    ['Albers equal area', '+proj=aea +lat_1=29.5 +lat_2=45.5 +lat_0=23 +lon_0=-96 +x_0=0 +y_0=0 +ellps=GRS80 +units=m +no_defs',
      [-500000, 2000000, 100, 0, -100]],
    ['Lambert azimuthal equal area', '+proj=laea +lat_0=52 +lon_0=10 +x_0=4321000 +y_0=3210000 +ellps=GRS80 +units=m +no_defs',
      [4000000, 3500000, 100, 0, -100]],
    ['polar stereographic', '+proj=stere +lat_0=-90 +lat_ts=-71 +lon_0=0 +k=1 +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs',
      [-100000, 200000, 500, 0, -500]],
    ['Mercator 1SP', '+proj=merc +lon_0=100 +k=0.997 +x_0=3900000 +y_0=900000 +ellps=bessel +units=m +no_defs',
      [3800000, 1000000, 100, 0, -100]],
    ['geographic on the Paris meridian', '+proj=longlat +ellps=clrk80ign +pm=paris +no_defs', [0.5, 46, 0.01, 0, -0.01]],
  ];
  for (const [name, def, [x0, y0, sx, , sy]] of userDefined) {
    it(`user-defined CRS from GeoKeys: ${name}`, async () => {
      const path = makeRaster({ ...base, srs: def, gt: [x0, sx, 0, y0, 0, sy] });
      const src = await openRaster(path);
      expect(src.info.crs, src.info.notes.join('; ')).not.toBeNull();
      const crs = src.info.crs!;
      const pts: [number, number][] = [[x0, y0], [x0 + 40 * sx, y0 + 30 * sy], [x0 + 20 * sx, y0 + 15 * sy]];
      const ref = gdalToGeographic(path, pts);
      // Our definition's own geographic base: same ellipsoid/datum/prime-meridian terms, longlat.
      const datum = crs.definition.split(/\s+/).filter((t) => /^\+(ellps|a|b|rf|datum|towgs84|pm)=/.test(t)).join(' ');
      const conv = proj4(crs.definition, `+proj=longlat ${datum} +no_defs`);
      pts.forEach((p, i) => {
        const [lon, lat] = conv.forward(p);
        expect(lon, `${name}: lon of point ${i}`).toBeCloseTo(ref.points[i][0], 7);
        expect(lat, `${name}: lat of point ${i}`).toBeCloseTo(ref.points[i][1], 7);
      });
      await src.close();
    });
  }

  it('band names come from GDAL_METADATA descriptions', async () => {
    const path = makeRaster({ ...base, bands: 3, descriptions: ['Blue', 'Green & "Red"', 'NIR <b8>'] });
    const src = await openRaster(path);
    expect(src.info.bandNames).toEqual(['Blue', 'Green & "Red"', 'NIR <b8>']);
    await src.close();
  });

  it('a TIFF without georeferencing opens as a pixel raster and says so', async () => {
    const path = makeRaster({ ...base });
    const src = await openRaster(path);
    expect(src.info.georeferenced).toBe(false);
    expect(src.info.crs).toBeNull();
    expect(src.info.epsg).toBeNull();
    expect(src.info.transform).toEqual([0, 1, 0, 0, 0, 1]);
    expect(src.info.notes.join(' ')).toMatch(/pixel raster/);
    const b = await src.read({ window: { x: 0, y: 0, width: 2, height: 1 } });
    expect(Array.from(b.bands[0])).toEqual([1, 8]);
    await src.close();
  });
});
