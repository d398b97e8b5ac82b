// `satdifuser info`: the bundled sample prints EPSG 31985, 349×352, 6 bands; every JSON field matches
// `gdalinfo -json` on the sample, on generated fixtures and on the ../shared scenes.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasShared, sampleScene, sharedPath } from '../helpers/shared';
import { cleanup, gdalinfoJson, hasGdalCli, hasGdalPython, makeRaster } from '../engine/raster/fixtures';
import { cli, expectInfoMatchesGdal } from './rasterCli';

afterAll(cleanup);

describe('satdifuser info', () => {
  it('prints the sample scene like gdalinfo: EPSG 31985, 349×352, 6 bands', () => {
    const r = cli(['info', sampleScene]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('Size is 349, 352');
    expect(r.stdout).toContain('EPSG:31985');
    expect(r.stdout).toContain('SIRGAS 2000 / UTM zone 25S');
    expect(r.stdout.match(/^Band \d+ Block=349x3 Type=Byte/gm)).toHaveLength(6);
    expect(r.stdout).toContain('Overviews: 175x176, 88x88, 44x44, 22x22');
    expect(r.stdout).toMatch(/Upper Left\s+\(\s+288776\.250, 9120760\.750\) \( 34d54'58\.20"W,\s+7d56'59\.36"S\)/);
  });

  it('--json has the fields the issue names, with the sample\'s values', () => {
    const r = cli(['info', sampleScene, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ width: 349, height: 352, bands: 6, dataType: 'uint8', epsg: 31985, nodata: null, overviews: 4 });
    expect(j.pixelSize[0]).toBeCloseTo(28.5, 6);
    expect(j.pixelSize[1]).toBeCloseTo(-28.5, 6);
    expect(j.origin[0]).toBeCloseTo(288776.25, 3);
    expect(j.origin[1]).toBeCloseTo(9120760.75, 3);
  });

  it('bad input: exit 1 with a message and a hint; usage errors exit 2', () => {
    const missing = cli(['info', 'no/such/file.tif']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/does not exist/);
    const text = cli(['info', 'package.json']);
    expect(text.status).toBe(1);
    expect(text.stderr).toMatch(/cannot read[\s\S]*gdal_translate/);
    expect(cli(['info']).status).toBe(2);
    expect(cli(['info', sampleScene, '--bogus']).status).toBe(2);
  });

  it.skipIf(!hasGdalCli)('matches gdalinfo -json on the sample scene', () => {
    expectInfoMatchesGdal(JSON.parse(cli(['info', sampleScene, '--json']).stdout), gdalinfoJson(sampleScene), 'sample');
  });

  it.skipIf(!hasGdalPython || !hasGdalCli)('matches gdalinfo -json on generated rasters (types, layouts, nodata, masks, CRSs, band names)', () => {
    const fixtures = [
      makeRaster({ width: 300, height: 200, bands: 3, dtype: 'uint16', srs: 'EPSG:32633', gt: [400000, 10, 0, 6000000, 0, -10], nodata: 0, descriptions: ['B2', 'B3', 'B4'],
        co: ['TILED=YES', 'BLOCKXSIZE=128', 'BLOCKYSIZE=128', 'COMPRESS=DEFLATE', 'PREDICTOR=2'], overviewsAfter: [2, 4] }),
      makeRaster({ width: 120, height: 90, bands: 1, dtype: 'float32', srs: 'EPSG:4326', gt: [10, 0.001, 0, 50, 0, -0.001], nodata: -9999, co: ['COMPRESS=LZW', 'PREDICTOR=3', 'BIGTIFF=YES'] }),
      makeRaster({ width: 64, height: 64, bands: 2, dtype: 'int16', srs: '+proj=laea +lat_0=52 +lon_0=10 +x_0=4321000 +y_0=3210000 +ellps=GRS80 +units=m +no_defs', gt: [4000000, 25, 0, 3000000, 0, -25], co: ['INTERLEAVE=BAND', 'TILED=YES', 'BLOCKXSIZE=32', 'BLOCKYSIZE=32'] }),
      makeRaster({ width: 50, height: 40, bands: 4, dtype: 'uint8', alpha: [0, 0, 5, 5], srs: 'EPSG:3857', gt: [0, 30, 0, 0, 0, -30], co: ['PHOTOMETRIC=RGB', 'ALPHA=YES'] }),
      makeRaster({ width: 80, height: 60, bands: 1, dtype: 'uint8', mask: [0, 0, 10, 10], srs: 'EPSG:32610', gt: [500000, 1, 0, 4000000, 0, -1], co: ['TILED=YES', 'COMPRESS=DEFLATE'] }),
      makeRaster({ width: 40, height: 30, bands: 1, dtype: 'float64' }),
    ];
    fixtures.forEach((path, i) => {
      const r = cli(['info', path, '--json']);
      expect(r.status, r.stderr).toBe(0);
      expectInfoMatchesGdal(JSON.parse(r.stdout), gdalinfoJson(path), `fixture ${i}`);
    });
  });
});

describe.skipIf(!hasShared || !hasGdalCli)('satdifuser info on the ../shared scenes', () => {
  const dirs = [sharedPath('data', 'scenes'), sharedPath('data', 'scenes', 'naip_timeseries'), sharedPath('data', 'spacenet_sample')];
  const files = dirs.filter(existsSync).flatMap((d) => readdirSync(d).filter((f) => /\.tif$/i.test(f)).map((f) => join(d, f)));
  it(`matches gdalinfo -json on ${files.length} real scenes`, () => {
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) {
      const r = cli(['info', f, '--json']);
      expect(r.status, `${f}: ${r.stderr}`).toBe(0);
      expectInfoMatchesGdal(JSON.parse(r.stdout), gdalinfoJson(f), f);
    }
  });

  it('reads a window of each real scene identical to GDAL', () => {
    for (const f of files.slice(0, 6)) {
      const ref = spawnSync('/usr/bin/python3', ['-c', 'import sys,json; from osgeo import gdal; d=gdal.Open(sys.argv[1]); print(json.dumps([int(v) for v in d.GetRasterBand(1).ReadAsArray(17,23,5,4).ravel()]))', f], { encoding: 'utf8' });
      if (ref.status !== 0) continue;
      const code = `import { openRaster } from './src/engine/raster/open'; const s = await openRaster(${JSON.stringify(f)}); const b = await s.read({ window: { x: 17, y: 23, width: 5, height: 4 }, bands: [0] }); console.log(JSON.stringify(Array.from(b.bands[0])));`;
      const ours = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8' });
      expect(ours.status, ours.stderr).toBe(0);
      expect(JSON.parse(ours.stdout), f).toEqual(JSON.parse(ref.stdout));
    }
  });
});
