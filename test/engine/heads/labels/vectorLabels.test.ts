// Label polygons from GeoJSON, Shapefile and GeoPackage (written by GDAL from the same GeoJSON) land on the
// same pixels of the sample scene; polygons in another CRS are reprojected.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openRaster } from '../../../../src/engine/raster/open';
import { classIdsOf, rasterizeLabels, readLabelPolygons } from '../../../../src/engine/heads/labels/vectorLabels';
import { IGNORE_INDEX } from '../../../../src/engine/heads/metrics';
import { sampleScene } from '../../../helpers/shared';

const geojson = resolve('test/fixtures/heads/sample_labels.geojson');
const ogr = spawnSync('ogr2ogr', ['--version']).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'labels-'));

async function rasterized(path: string) {
  const src = await openRaster(sampleScene);
  const info = src.info;
  await src.close();
  const lp = readLabelPolygons(path);
  const { ids, names } = classIdsOf(lp.polygons.map((p) => p.value), null, lp.polygons.map((p) => p.name));
  return { r: rasterizeLabels(lp, ids, info), names, lp };
}

describe('label polygons', () => {
  it('rasterizes the 21 sample squares onto 8×8 pixel blocks with their class ids and names', async () => {
    const { r, names } = await rasterized(geojson);
    expect(r.polygons).toBe(21);
    expect(r.empty).toBe(0);
    const counts = [0, 0, 0];
    for (const v of r.labels) if (v !== IGNORE_INDEX) counts[v]!++;
    expect(counts).toEqual([7 * 64, 7 * 64, 7 * 64]);
    expect(names.get(0)).toBe('water');
    expect(new Set(r.unitOf).size).toBe(22); // 21 polygons + "none"
  });

  it.skipIf(!ogr)('reads the same polygons from a Shapefile, a GeoPackage and a WGS 84 GeoJSON', async () => {
    const ref = (await rasterized(geojson)).r.labels;
    for (const [file, extra] of [['labels.shp', []], ['labels.gpkg', []], ['labels_wgs84.geojson', ['-t_srs', 'EPSG:4326', '-lco', 'COORDINATE_PRECISION=12']]] as const) {
      const out = join(dir, file);
      const r = spawnSync('ogr2ogr', [...extra, out, geojson], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const got = (await rasterized(out)).r.labels;
      let diff = 0;
      for (let i = 0; i < got.length; i++) if (got[i] !== ref[i]) diff++;
      // reprojection to lon/lat and back moves vertices by nanometres; pixel centres are 14 m from any edge
      expect(diff, file).toBe(0);
    }
  });

  it('maps class names to ids and refuses a file without a class attribute', () => {
    expect(classIdsOf(['water', 'Land', 'water'], [{ id: 4, name: 'Water', color: '#0000FF' }]).ids).toEqual([4, 5, 4]);
    const bare = join(dir, 'bare.geojson');
    writeFileSync(bare, JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: { foo: 1 }, geometry: JSON.parse(readFileSync(geojson, 'utf8')).features[0].geometry }] }));
    expect(() => readLabelPolygons(bare)).toThrow(/no class attribute \(looked for class_id/);
    expect(readLabelPolygons(bare, { classField: 'foo' }).polygons[0]!.value).toBe(1);
  });
});
