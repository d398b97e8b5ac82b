// vector.read: GeoJSON (with and without a crs member) and Shapefile (written by GDAL's ogr2ogr), reprojected to
// a target CRS; coordinates compared with GDAL's own transformation of the same points.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readVector } from '../../src/engine/api/vectors';

const dir = mkdtempSync(join(tmpdir(), 'sdf-vec-'));
const ring = [[290000, 9115000], [291000, 9115000], [291000, 9116000], [290000, 9115000]];
const fc = {
  type: 'FeatureCollection',
  crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::31985' } },
  features: [
    { type: 'Feature', properties: { class: 'água', n: 1 }, geometry: { type: 'Polygon', coordinates: [ring] } },
    { type: 'Feature', properties: { class: 'urban', n: 2 }, geometry: { type: 'Point', coordinates: [290500, 9115500] } },
  ],
};
const gj = join(dir, 'labels.geojson');
writeFileSync(gj, JSON.stringify(fc));

function gdalLonLat(x: number, y: number): [number, number] {
  const out = execFileSync('gdaltransform', ['-s_srs', 'EPSG:31985', '-t_srs', 'EPSG:4326', '-output_xy'], { input: `${x} ${y}\n`, encoding: 'utf8' });
  const [lon, lat] = out.trim().split(/\s+/).map(Number);
  return [lon!, lat!];
}

describe('vector.read', () => {
  it('reads a GeoJSON with a crs member and reprojects to WGS 84 as GDAL does', async () => {
    const v = await readVector(gj, 'EPSG:4326');
    expect(v.format).toBe('GeoJSON');
    expect(v.sourceCrs).toBe('urn:ogc:def:crs:EPSG::31985');
    expect(v.fields).toEqual(['class', 'n']);
    expect(v.geometryTypes).toEqual(['Polygon', 'Point']);
    const got = (v.features.features[0]!.geometry!.coordinates as number[][][])[0]!;
    ring.forEach(([x, y], i) => {
      const [lon, lat] = gdalLonLat(x!, y!);
      expect(got[i]![0]).toBeCloseTo(lon, 7);
      expect(got[i]![1]).toBeCloseTo(lat, 7);
    });
  });

  it('keeps native coordinates when no target CRS is asked for', async () => {
    const v = await readVector(gj, null);
    expect((v.features.features[1]!.geometry!.coordinates as number[])).toEqual([290500, 9115500]);
    expect(v.crs).toBe(v.sourceCrs);
  });

  it('reads a Shapefile written by ogr2ogr, with its .prj and UTF-8 attributes', async () => {
    const shp = join(dir, 'labels.shp');
    execFileSync('ogr2ogr', ['-f', 'ESRI Shapefile', '-lco', 'ENCODING=UTF-8', '-where', "n = 1", shp, gj]);
    const v = await readVector(shp, 'EPSG:31985');
    expect(v.format).toBe('Shapefile');
    expect(v.features.features).toHaveLength(1);
    expect(v.features.features[0]!.properties).toMatchObject({ class: 'água', n: 1 });
    const got = (v.features.features[0]!.geometry!.coordinates as number[][][])[0]!;
    // Shapefile rings are clockwise; GDAL may start them at another vertex: compare as sets.
    const key = (p: number[]) => `${p[0]!.toFixed(3)},${p[1]!.toFixed(3)}`;
    expect(new Set(got.map(key))).toEqual(new Set(ring.map(key)));
  });

  it('reads the polygon layer of a GeoPackage written by ogr2ogr', async () => {
    const gpkg = join(dir, 'labels.gpkg');
    execFileSync('ogr2ogr', ['-f', 'GPKG', '-where', 'n = 1', gpkg, gj]);
    const v = await readVector(gpkg, 'EPSG:4326');
    expect(v.format).toBe('GeoPackage');
    expect(v.sourceCrs).toBe('EPSG:31985');
    expect(v.features.features).toHaveLength(1);
    expect(v.features.features[0]!.properties).toMatchObject({ class: 'água', n: 1 });
    const got = (v.features.features[0]!.geometry!.coordinates as number[][][])[0]!;
    const [lon, lat] = gdalLonLat(ring[1]![0]!, ring[1]![1]!);
    expect(got.some((p) => Math.abs(p[0]! - lon) < 1e-7 && Math.abs(p[1]! - lat) < 1e-7)).toBe(true);
  });

  it('refuses a shapefile without .prj, bad JSON and unknown formats with actionable errors', async () => {
    const noPrj = join(dir, 'noprj.shp');
    execFileSync('ogr2ogr', ['-f', 'ESRI Shapefile', '-a_srs', 'EPSG:31985', noPrj, gj, '-where', 'n = 1']);
    execFileSync('rm', [join(dir, 'noprj.prj')]);
    await expect(readVector(noPrj, null)).rejects.toMatchObject({ code: 'UNKNOWN_CRS', hint: expect.stringMatching(/Set CRS|a_srs/) });
    const bad = join(dir, 'bad.geojson');
    writeFileSync(bad, '{"type": "FeatureCollection", ');
    await expect(readVector(bad, null)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(readVector(join(dir, 'x.kml'), null)).rejects.toMatchObject({ code: 'UNSUPPORTED_FORMAT' });
    const notGpkg = join(dir, 'fake.gpkg');
    writeFileSync(notGpkg, 'not sqlite at all');
    await expect(readVector(notGpkg, null)).rejects.toMatchObject({ code: 'UNSUPPORTED_FORMAT' });
    await expect(readVector(join(dir, 'missing.geojson'), null)).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });
});
