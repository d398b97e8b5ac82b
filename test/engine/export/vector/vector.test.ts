import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { GeoTransform } from '../../../../src/shared/geometry';
import type { ClassInfo } from '../../../../src/shared/jobs';
import { crsFromEpsg } from '../../../../src/engine/geo/crs';
import { writeAtomically } from '../../../../src/engine/export/atomic';
import { maskToFeatures } from '../../../../src/engine/export/vector/maskToFeatures';
import { writeGeoPackage } from '../../../../src/engine/export/vector/geopackage';
import { writeShapefile, utf8ByteString } from '../../../../src/engine/export/vector/shapefile';
import { writeGeoJson } from '../../../../src/engine/export/vector/geojson';
import { openSqlite } from '../../../../src/engine/store/sqlite';

const python = '/usr/bin/python3';
const hasOgr = existsSync(python) && spawnSync(python, ['-c', 'from osgeo import ogr']).status === 0;
const hasOgrinfo = spawnSync('ogrinfo', ['--version']).status === 0;
const reader = new URL('./ogr_read.py', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'sdf-vec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface OgrOut { layer: string; epsg: string | null; count: number; geomType: string; fields: string[]; spatialIndex?: number; features: { attrs: Record<string, unknown>; area: number; holes: number; type: string; valid: boolean; exteriorCcw: boolean; first: number[] }[] }
const ogrRead = (p: string): OgrOut => JSON.parse(execFileSync(python, [reader, p]).toString());

const classes: ClassInfo[] = [
  { id: 0, name: 'água', color: [0, 0, 255] },
  { id: 1, name: 'forêt', color: [0, 128, 0] },
  { id: 2, name: '建物', color: [200, 0, 0] },
];
// 12×10 mask: class 1 frame with a class-0 lake (a hole) holding a class-2 island; class 2 strip at the
// bottom; nodata corner.
const W = 12, H = 10;
const mask = new Uint8Array(W * H).fill(1);
for (let y = 2; y < 7; y++) for (let x = 2; x < 8; x++) mask[y * W + x] = 0;
mask[4 * W + 4] = 2;
for (let x = 0; x < W; x++) mask[9 * W + x] = 2;
mask[0] = 255;
const prob = new Float32Array(W * H).fill(0.8);
for (let i = 0; i < W * H; i++) if (mask[i] === 0) prob[i] = 0.6;
// EPSG:31985 (SIRGAS 2000 / UTM 25S, the sample scene's CRS), 30 m pixels near Olinda
const transform: GeoTransform = [288000, 30, 0, 9120000, 0, -30];
const crs = crsFromEpsg(31985);
const provenance = { source: 'L7_ETMs.tif', model: 'default-ldm', head: 'gw-light' };

function features(simplify = 0) {
  return maskToFeatures(mask, { width: W, height: H, transform, classes, provenance, probability: prob, simplifyPixels: simplify });
}

describe('mask → features', () => {
  it('one feature per region, area = pixels × pixel area, mean probability, provenance', () => {
    const f = features();
    const summary = f.map((x) => [x.attributes.class_id, x.attributes.area / 900, x.rings.length - 1]).sort();
    // class 1 frame (120 − 30 lake − 12 strip − 1 nodata = 77 px) with one hole; class 0 lake (29 px) with the island as hole; island; bottom strip
    expect(summary).toEqual([[0, 29, 1], [1, 77, 1], [2, 1, 0], [2, 12, 0]].sort());
    const lake = f.find((x) => x.attributes.class_id === 0)!;
    expect(lake.attributes.mean_prob).toBeCloseTo(0.6, 6);
    expect(lake.attributes.class_name).toBe('água');
    expect(lake.attributes).toMatchObject(provenance);
    // pixel (2,2) top-left corner in CRS coordinates
    expect(lake.rings[0]).toContainEqual([288000 + 2 * 30, 9120000 - 2 * 30]);
  });

  it('drops regions under the minimum area', () => {
    const f = maskToFeatures(mask, { width: W, height: H, transform, classes, provenance, simplifyPixels: 0, minArea: 901 });
    expect(f.map((x) => x.attributes.area / 900).sort((a, b) => a - b)).toEqual([12, 29, 77]);
  });
});

describe.skipIf(!hasOgr || !hasOgrinfo)('vector files read back by GDAL', () => {
  it('GeoPackage: OGC structure, real SRS, attributes, areas, R-tree index; no GDAL warnings', async () => {
    const p = join(dir, 'classes.gpkg');
    await writeGeoPackage(p, features(), { crs, layer: 'classes', description: 'test' });
    const info = spawnSync('ogrinfo', ['-al', '-so', p], { encoding: 'utf8' });
    expect(info.status).toBe(0);
    expect(info.stderr).not.toMatch(/warning|error/i);
    expect(info.stdout).toMatch(/Geometry: Polygon/);
    expect(info.stdout).toMatch(/Feature Count: 4/);
    expect(info.stdout).toMatch(/SIRGAS.2000.*UTM.zone.25S/i);
    const r = ogrRead(p);
    expect(r.epsg).toBe('31985');
    expect(r.spatialIndex).toBe(1);
    expect(r.fields).toEqual(['class_id', 'class_name', 'area', 'mean_prob', 'source', 'model', 'head']);
    const got = r.features.map((f) => [f.attrs.class_id, f.attrs.class_name, f.area, f.attrs.area, f.holes, f.valid]).sort();
    expect(got).toEqual([[0, 'água', 29 * 900, 29 * 900, 1, true], [1, 'forêt', 77 * 900, 77 * 900, 1, true], [2, '建物', 900, 900, 0, true], [2, '建物', 12 * 900, 12 * 900, 0, true]].sort());
    const db = openSqlite(p, { readonly: true });
    expect(db.pragma('application_id', { simple: true })).toBe(0x47504b47);
    expect(db.pragma('user_version', { simple: true })).toBe(10300);
    expect(db.prepare('SELECT COUNT(*) AS n FROM rtree_classes_geom').get()).toEqual({ n: 4 });
    expect((db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'trigger'").get() as { n: number }).n).toBe(6);
    db.close();
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    // GDAL's GeoPackage conformance checker (requirement by requirement; it fails on e.g. a missing trigger)
    const v = spawnSync(python, ['-m', 'osgeo_utils.samples.validate_gpkg', p], { encoding: 'utf8' });
    expect(v.stderr + v.stdout).toBe('');
    expect(v.status).toBe(0);
  });

  it('Shapefile: UTF-8 names survive via .cpg, .prj identifies the CRS, holes stay holes', async () => {
    const p = join(dir, 'classes.shp');
    await writeShapefile(p, features(1.5), { crs });
    expect(readFileSync(join(dir, 'classes.cpg'), 'utf8')).toBe('UTF-8');
    expect(readFileSync(join(dir, 'classes.prj'), 'utf8')).toMatch(/^PROJCS\["SIRGAS_2000_UTM_Zone_25S"/);
    const r = ogrRead(p);
    expect(r.epsg).toBe('31985');
    expect(r.count).toBe(4);
    expect(r.features.map((f) => f.attrs.class_name).sort()).toEqual(['forêt', 'água', '建物', '建物'].sort());
    expect(r.features.map((f) => f.holes).sort()).toEqual([0, 0, 1, 1]);
    expect(r.features.every((f) => f.valid && !f.exteriorCcw)).toBe(true); // shapefile outer rings are clockwise
    expect(utf8ByteString('ééé', 5)).toBe(Buffer.from('éé').toString('latin1')); // cut on a character boundary
  });

  it('GeoJSON: WGS 84, right-hand rule, coordinates equal GDAL\'s own reprojection', async () => {
    const p = join(dir, 'classes.geojson');
    const gpkg = join(dir, 'ref.gpkg');
    const f = features(1.5);
    await writeGeoJson(p, f, { crs });
    await writeGeoPackage(gpkg, f, { crs });
    const gj = JSON.parse(readFileSync(p, 'utf8'));
    expect(gj.crs).toBeUndefined();
    const ref = join(dir, 'ref.geojson');
    execFileSync('ogr2ogr', ['-f', 'GeoJSON', '-t_srs', 'EPSG:4326', '-lco', 'RFC7946=YES', ref, gpkg]);
    const want = JSON.parse(readFileSync(ref, 'utf8'));
    expect(gj.features.length).toBe(want.features.length);
    const key = (x: { properties: { class_id: number; area: number } }) => `${x.properties.class_id}:${x.properties.area}`;
    const byKey = new Map(want.features.map((x: never) => [key(x), x]));
    for (const ours of gj.features) {
      const theirs = byKey.get(key(ours)) as { geometry: { coordinates: number[][][] } };
      const a = ours.geometry.coordinates as number[][][];
      for (let r = 0; r < a.length; r++) {
        let s = 0;
        for (let i = 0; i + 1 < a[r].length; i++) s += a[r][i][0] * a[r][i + 1][1] - a[r][i + 1][0] * a[r][i][1];
        expect(r === 0 ? s > 0 : s < 0).toBe(true); // exterior counter-clockwise, holes clockwise
      }
      // the same vertices, up to ring start and GDAL's 7-decimal rounding
      const ourPts = new Set(a.flat().map((p) => `${p[0].toFixed(6)},${p[1].toFixed(6)}`));
      for (const pt of theirs.geometry.coordinates.flat()) expect(ourPts.has(`${pt[0].toFixed(6)},${pt[1].toFixed(6)}`)).toBe(true);
      expect(a[0][0][0]).toBeGreaterThan(-35.5); // Olinda, Brazil: lon ≈ −35, lat ≈ −8
      expect(a[0][0][0]).toBeLessThan(-34.5);
      expect(a[0][0][1]).toBeGreaterThan(-8.5);
    }
  });
});

describe('atomic writes', () => {
  it('a failing or cancelled export leaves the previous file and no temporary file', async () => {
    const p = join(dir, 'keep.txt');
    writeFileSync(p, 'previous');
    await expect(writeAtomically([p], ([tmp]) => { writeFileSync(tmp, 'half'); throw new Error('disk on fire'); })).rejects.toMatchObject({ code: 'IO_ERROR' });
    expect(readFileSync(p, 'utf8')).toBe('previous');
    const ac = new AbortController();
    ac.abort();
    await expect(writeGeoPackage(join(dir, 'cancelled.gpkg'), features(), { crs, signal: ac.signal })).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(existsSync(join(dir, 'cancelled.gpkg'))).toBe(false);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
