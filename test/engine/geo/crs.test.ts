// The bundled EPSG table and CRS parsing: coverage, proj4 definitions that reproduce PROJ's projections, datum
// shifts that land WGS 84 points where PROJ puts them, and the spellings users write CRSs in.
import { spawnSync } from 'node:child_process';
import proj4 from 'proj4';
import { describe, expect, it } from 'vitest';
import { crsFromDefinition, crsFromEpsg, parseCrs, WGS84 } from '../../../src/engine/geo/crs';
import { epsgCodes, epsgTableVersion, lookupEpsg } from '../../../src/engine/geo/epsg';
import { transformPoint } from '../../../src/engine/geo/reproject';
import { hasGdalCli, hasGdalPython } from '../raster/fixtures';

describe('EPSG table', () => {
  it('covers the projected and geographic CRSs a GeoTIFF can name', () => {
    const codes = epsgCodes();
    expect(codes.length).toBeGreaterThan(6000);
    for (const c of [4326, 4269, 4258, 3857, 31985, 32601, 32660, 32701, 32760, 2056, 27700, 28992, 3035, 2154, 5514, 26914, 7844]) {
      expect(lookupEpsg(c), `EPSG:${c}`).not.toBeNull();
    }
    expect(lookupEpsg(31985)).toMatchObject({ name: 'SIRGAS 2000 / UTM zone 25S', units: 'm', kind: 'projected' });
    expect(lookupEpsg(4326)).toMatchObject({ units: 'degree', kind: 'geographic' });
    expect(lookupEpsg(2227)?.units).toBe('us-ft');
    expect(epsgTableVersion()).toMatch(/EPSG v\d+/);
  });

  it('unknown codes are UNKNOWN_CRS errors with a hint', () => {
    expect(() => crsFromEpsg(999999)).toThrow(expect.objectContaining({ code: 'UNKNOWN_CRS' }));
    expect(() => crsFromEpsg(2218)).toThrow(/not known/); // West Orientated LCC: no proj4 form
    expect(() => crsFromEpsg(6254)).toThrow(expect.objectContaining({ code: 'UNKNOWN_CRS' })); // Colombia Urban: no proj4js method
  });

  it.skipIf(!hasGdalPython)('proj4 with the bundled definitions reproduces PROJ for every projected CRS', () => {
    // Axis-swapped CRSs (+axis=wsu, south-orientated or Krovak southing/westing) follow a different axis
    // convention in PROJ's traditional-GIS order; they are left out of this comparison.
    const sample = epsgCodes().filter((c) => lookupEpsg(c)!.kind === 'projected' && !/\+axis=/.test(lookupEpsg(c)!.definition));
    const res = spawnSync('/usr/bin/python3', ['test/engine/geo/proj_reference.py'], { input: JSON.stringify({ codes: sample }), encoding: 'utf8', maxBuffer: 1 << 26 });
    expect(res.status, res.stderr).toBe(0);
    const points = JSON.parse(res.stdout).points as { code: number; base: number; lon: number; lat: number; x: number; y: number }[];
    expect(points.length).toBeGreaterThan(5000);
    const bad: string[] = [];
    for (const p of points) {
      const to = lookupEpsg(p.code)!;
      // The projected CRS's own geographic base (its ellipsoid and prime meridian, longlat), and no datum shift on
      // either side: proj4js does not recognise two identical 7-parameter datums as equal and would round-trip
      // through WGS 84 (cm-level error), while PROJ here converts within one datum.
      const noShift = to.definition.replace(/\s\+(towgs84|nadgrids)=\S+/g, '').replace('+datum=WGS84', '+ellps=WGS84');
      const base = noShift.split(/\s+/).filter((t) => /^\+(ellps|a|b|rf|datum|pm)=/.test(t)).join(' ');
      try {
        crsFromEpsg(p.code);
      } catch {
        continue; // a method proj4js lacks: crsFromEpsg refuses it with UNKNOWN_CRS (checked above)
      }
      const [x, y] = proj4(`+proj=longlat ${base} +no_defs`, noShift).forward([p.lon, p.lat]);
      // Same datum on both sides (the CRS and its own base), so only the projection is compared; 1 cm.
      const err = Math.hypot(x - p.x, y - p.y);
      if (!(err < 0.01)) bad.push(`EPSG:${p.code} ${to.definition.slice(0, 60)} off by ${err}`);
    }
    // At the centre of each CRS's area of use. The ~0.6 % that differ are proj4js numerics far from a zone's
    // central meridian (areas of use wider than the zone), Cassini/Mercator variants it implements differently,
    // and one Lambert 1SP; 1 % is the bound.
    expect(bad.length, bad.slice(0, 10).join('\n')).toBeLessThanOrEqual(Math.ceil(points.length * 0.01));
  });

  it.skipIf(!hasGdalCli)('datum shifts: WGS 84 lon/lat to British National Grid and RD New agree with PROJ (Helmert)', () => {
    for (const [code, lon, lat] of [[27700, -1.5, 52.0], [28992, 5.3, 52.1], [31985, -34.9, -8.0]] as const) {
      const r = spawnSync('gdaltransform', ['-s_srs', 'EPSG:4326', '-t_srs', `EPSG:${code}`, '-output_xy'], { input: `${lon} ${lat}\n`, encoding: 'utf8' });
      const [gx, gy] = r.stdout.trim().split(/\s+/).map(Number);
      const [x, y] = transformPoint(WGS84, crsFromEpsg(code), [lon, lat]);
      // PROJ may pick a different (or grid-based) transformation than the table's Helmert: within 2 m.
      expect(Math.hypot(x - gx, y - gy), `EPSG:${code}`).toBeLessThan(2);
    }
  });
});

describe('parseCrs', () => {
  it('reads the usual spellings', () => {
    for (const s of ['EPSG:32632', 'epsg:32632', 'urn:ogc:def:crs:EPSG::32632', 'urn:ogc:def:crs:EPSG:9.9:32632', 'http://www.opengis.net/def/crs/EPSG/0/32632', '32632']) {
      expect(parseCrs(s).epsg, s).toBe(32632);
    }
    expect(parseCrs('urn:ogc:def:crs:OGC:1.3:CRS84')).toEqual(WGS84);
    expect(parseCrs('+proj=utm +zone=32 +datum=WGS84 +units=m +no_defs')).toMatchObject({ epsg: null, units: 'm' });
  });

  it('WKT with a top-level EPSG authority resolves to the code; other WKT is user-defined', () => {
    const wkt = 'PROJCS["WGS 84 / UTM zone 33N",GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",15],PARAMETER["scale_factor",0.9996],PARAMETER["false_easting",500000],PARAMETER["false_northing",0],UNIT["metre",1],AUTHORITY["EPSG","32633"]]';
    expect(crsFromDefinition(wkt).epsg).toBe(32633);
    const user = crsFromDefinition(wkt.replace(',AUTHORITY["EPSG","32633"]', ''));
    expect(user).toMatchObject({ epsg: null, units: 'm', name: 'WGS 84 / UTM zone 33N' });
    const [x] = transformPoint(WGS84, user, [15, 0]);
    expect(x).toBeCloseTo(500000, 3);
  });

  it('garbage is UNKNOWN_CRS', () => {
    expect(() => parseCrs('not a crs')).toThrow(expect.objectContaining({ code: 'UNKNOWN_CRS' }));
    expect(() => parseCrs('+proj=nosuchprojection')).toThrow(expect.objectContaining({ code: 'UNKNOWN_CRS' }));
  });
});
