// `satdifuser cog` on the real scenes of ../shared (strips, RGBA, uint16, nodata, EPSG:4326...): GDAL must
// read the same pixels, georeferencing, nodata and colour interpretation from the COG as from the source.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { command } from '../../src/cli/commands/cog';
import { hasShared, sharedPath } from '../helpers/shared';
import { firstMismatch } from '../engine/export/geotiff/fixtures';
import { gdalPixels, gdalinfo, hasGdal, validateCog } from '../engine/export/geotiff/gdal';

const sink = () => new Writable({ write(_c, _e, cb) { cb(); } });
const dir = mkdtempSync(join(tmpdir(), 'cli-cog-shared-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const scenes = hasShared ? [
  'data/scenes/rasterio_RGB.byte.tif',
  'data/scenes/qgis_3320D_2010_315_RGB_LATLNG.tif',
  'data/scenes/stars_L7_ETMs.tif',
  'data/spacenet_sample/sample_geotiff.tif',
  'data/spacenet_sample/sample_fp_mask.tif',
  ...readdirSync(sharedPath('data/scenes/naip_timeseries')).filter((f) => f.endsWith('.tif')).slice(0, 2).map((f) => `data/scenes/naip_timeseries/${f}`),
] : [];

describe.skipIf(!hasShared || !hasGdal)('satdifuser cog on the shared scenes', () => {
  for (const rel of scenes) {
    it(basename(rel), async () => {
      const src = sharedPath(rel);
      const out = join(dir, basename(rel));
      expect(await command.run([src, out, '--quiet'], { stdout: sink(), stderr: sink(), signal: new AbortController().signal })).toBe(0);
      const a = gdalinfo(src);
      const b = gdalinfo(out);
      expect(b.size).toEqual(a.size);
      expect(b.geoTransform).toEqual(a.geoTransform);
      expect(b.coordinateSystem?.wkt).toBe(a.coordinateSystem?.wkt);
      const bandFacts = (i: any) => i.bands.map((band: any) => [band.type, band.noDataValue, band.colorInterpretation, band.description, band.mask?.flags]);
      expect(bandFacts(b)).toEqual(bandFacts(a));
      expect(b.metadata.IMAGE_STRUCTURE).toMatchObject({ COMPRESSION: 'DEFLATE', LAYOUT: 'COG' });
      const pa = gdalPixels(src);
      const pb = gdalPixels(out);
      pa.bands.forEach((band, i) => expect(firstMismatch(pb.bands[i], band), `band ${i + 1}`).toBeNull());
      const v = validateCog(out);
      if (v) expect(v.valid, v.output).toBe(true);
    });
  }
});
