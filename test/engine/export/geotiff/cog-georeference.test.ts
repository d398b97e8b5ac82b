// What GDAL and geotiff.js read back about where the pixels are and what they mean: CRS, transform,
// nodata, colour table, categories, metadata, BigTIFF, and the sample scene pixel for pixel.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fromFile } from 'geotiff';
import { createCogWriter, type CogWriterOptions } from '../../../../src/engine/export/geotiff/index';
import { sampleScene } from '../../../helpers/shared';
import { firstMismatch, fullBand, reduceBand, writeSynthetic } from './fixtures';
import { gdalPixels, gdalProj4, gdalinfo, hasGdal, validateCog } from './gdal';

const dir = mkdtempSync(join(tmpdir(), 'cog-geo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const small: CogWriterOptions = { width: 40, height: 30, bands: 1, dataType: 'uint8', tileSize: 16 };
const ramp = (x: number, y: number) => (x + 2 * y) % 256;

describe('the sample scene (Landsat 7, 349×352×6, EPSG:31985) rewritten as a COG', () => {
  for (const interleave of ['pixel', 'band'] as const) {
    it(`${interleave}-interleaved: same pixels, georeferencing and overviews in geotiff.js and GDAL`, async () => {
      const src = await fromFile(sampleScene);
      const img = await src.getImage();
      const [W, H] = [img.getWidth(), img.getHeight()];
      const bands = (await img.readRasters()) as unknown as Uint8Array[];
      src.close();
      const path = join(dir, `sample-${interleave}.tif`);
      const w = createCogWriter(path, {
        width: W, height: H, bands: 6, dataType: 'uint8', tileSize: 256, interleave,
        crs: { kind: 'epsg', code: 31985, geographic: false, name: 'SIRGAS 2000 / UTM zone 25S' },
        transform: [288776.25, 28.5, 0, 9120760.75, 0, -28.5],
        bandNames: ['B1', 'B2', 'B3', 'B4', 'B5', 'B7'],
        provenance: { sourceFile: 'L7_ETMs.tif', tiling: '256 px, no overlap' },
      });
      for (let r = 0; r < w.tilesDown; r++) {
        for (let c = 0; c < w.tilesAcross; c++) {
          const win = w.tileWindow(c, r);
          await w.writeTile(c, r, bands.map((b) => {
            const t = new Uint8Array(win.width * win.height);
            for (let y = 0; y < win.height; y++) t.set(b.subarray((win.y + y) * W + win.x, (win.y + y) * W + win.x + win.width), y * win.width);
            return t;
          }));
        }
      }
      const result = await w.finish();
      expect(result.levels.map((l) => [l.width, l.height])).toEqual([[349, 352], [175, 176]]);

      const back = await fromFile(path);
      const full = (await (await back.getImage(0)).readRasters()) as unknown as Uint8Array[];
      const ovr = (await (await back.getImage(1)).readRasters()) as unknown as Uint8Array[];
      expect((await back.getImage(0)).getGeoKeys()).toMatchObject({ ProjectedCSTypeGeoKey: 31985, GTModelTypeGeoKey: 1 });
      back.close();
      for (let b = 0; b < 6; b++) {
        expect(firstMismatch(full[b], bands[b]), `band ${b}`).toBeNull();
        expect(firstMismatch(ovr[b], reduceBand(bands[b], W, H, 'average', null, false, Uint8Array).data), `overview band ${b}`).toBeNull();
      }
      if (!hasGdal) return;
      const info = gdalinfo(path);
      expect(info.coordinateSystem.wkt).toMatch(/ID\["EPSG",31985\]\]$/);
      expect(info.geoTransform).toEqual([288776.25, 28.5, 0, 9120760.75, 0, -28.5]);
      expect(info.metadata['']).toMatchObject({ SOURCE_FILE: 'L7_ETMs.tif', TILING: '256 px, no overlap', TIFFTAG_SOFTWARE: 'SatDiFuser Studio', AREA_OR_POINT: 'Area' });
      expect(info.metadata.IMAGE_STRUCTURE).toMatchObject({ COMPRESSION: 'DEFLATE', LAYOUT: 'COG', INTERLEAVE: interleave === 'pixel' ? 'PIXEL' : 'BAND' });
      expect(info.bands.map((b: { description: string }) => b.description)).toEqual(['B1', 'B2', 'B3', 'B4', 'B5', 'B7']);
      expect(info.bands[5].block).toEqual([256, 256]);
      expect(info.bands[5].overviews).toEqual([{ size: [175, 176] }]);
      const px = gdalPixels(path);
      for (let b = 0; b < 6; b++) expect(firstMismatch(px.bands[b], bands[b]), `GDAL band ${b}`).toBeNull();
      const v = validateCog(path);
      if (v) expect(v.valid, v.output).toBe(true);
    });
  }
});

describe.skipIf(!hasGdal)('georeferencing read back by GDAL', () => {
  it('a geographic EPSG code (4326) with degrees pixel size', async () => {
    const path = join(dir, 'geo4326.tif');
    await writeSynthetic(path, { ...small, crs: { kind: 'epsg', code: 4326, geographic: true }, transform: [-47.5, 0.00025, 0, -15.25, 0, -0.00025] }, ramp);
    const info = gdalinfo(path);
    expect(info.coordinateSystem.wkt).toMatch(/^GEOGCRS\["WGS 84"[\s\S]*ID\["EPSG",4326\]\]$/);
    expect(info.geoTransform).toEqual([-47.5, 0.00025, 0, -15.25, 0, -0.00025]);
  });

  it('a user-defined CRS from WKT (no EPSG code) keeps every parameter', async () => {
    const wkt = 'PROJCS["Local TM",GEOGCS["GRS 1980 based",DATUM["unknown",SPHEROID["GRS 1980",6378137,298.257222101]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",10],PARAMETER["central_meridian",-33.5],PARAMETER["scale_factor",0.9995],PARAMETER["false_easting",400000],PARAMETER["false_northing",0],UNIT["metre",1]]';
    const path = join(dir, 'userwkt.tif');
    await writeSynthetic(path, { ...small, crs: { kind: 'wkt', wkt, geographic: false }, transform: [400000, 10, 0, 1200000, 0, -10] }, ramp);
    expect(gdalProj4(path)).toBe('+proj=tmerc +lat_0=10 +lon_0=-33.5 +k=0.9995 +x_0=400000 +y_0=0 +ellps=GRS80 +units=m +no_defs');
    expect(gdalinfo(path).coordinateSystem.wkt).toMatch(/^PROJCRS\["Local TM"/);
  });

  it('a rotated geotransform as ModelTransformation', async () => {
    const t = [500000, 8.660254037844387, -5, 5000000, -5, -8.660254037844387] as const;
    const path = join(dir, 'rotated.tif');
    await writeSynthetic(path, { ...small, crs: { kind: 'epsg', code: 32633, geographic: false }, transform: t }, ramp);
    expect(gdalinfo(path).geoTransform).toEqual([...t]);
    const v = validateCog(path);
    if (v) expect(v.valid, v.output).toBe(true);
  });

  it('no georeferencing at all: a plain pixel raster', async () => {
    const path = join(dir, 'pixels.tif');
    await writeSynthetic(path, small, ramp);
    const info = gdalinfo(path);
    expect(info.coordinateSystem).toBeUndefined();
    expect(info.geoTransform).toBeUndefined();
  });
});

describe('class masks: palette, categories, nodata, provenance', () => {
  const classNames = ['water', 'forest', null, 'urban'];
  const colorTable = [[0, 0, 255], [0, 128, 0], [0, 0, 0], [200, 30, 30, 255]] as const;
  const mask = (x: number, y: number) => (x < 10 ? 0 : x < 20 ? 1 : y < 15 ? 3 : 255);
  const o: CogWriterOptions = { ...small, colorTable: colorTable as unknown as CogWriterOptions['colorTable'], classNames, nodata: 255, provenance: { model: 'satdifuser-small', head: 'upernet@v3 <R&amp;D>', fusion: 'gw', tiling: '256/32', sourceFile: 'scene.tif' } };

  it('writes a palette image whose overviews are nearest samples, read back by geotiff.js', async () => {
    const path = join(dir, 'mask.tif');
    const r = await writeSynthetic(path, o, mask);
    expect(r.sidecar).toBe(`${path}.aux.xml`);
    const tiff = await fromFile(path);
    const img = await tiff.getImage(0);
    expect(img.fileDirectory.getValue('PhotometricInterpretation')).toBe(3);
    const cmap = Array.from((await img.fileDirectory.loadValue('ColorMap')) as ArrayLike<number>);
    expect([cmap[3], cmap[256 + 3], cmap[512 + 3]]).toEqual([200 * 257, 30 * 257, 30 * 257]);
    expect(img.fileDirectory.hasTag('Predictor')).toBe(false);
    expect(img.getGDALNoData()).toBe(255);
    const ovr = (await (await tiff.getImage(1)).readRasters()) as unknown as Uint8Array[];
    tiff.close();
    expect(firstMismatch(ovr[0], reduceBand(fullBand(o, mask, 0, Uint8Array), 40, 30, 'nearest', 255, false, Uint8Array).data)).toBeNull();
  });

  it.skipIf(!hasGdal)('GDAL shows the colour table, the categories, nodata and the provenance', () => {
    const path = join(dir, 'mask.tif');
    const info = gdalinfo(path);
    const band = info.bands[0];
    expect(band.colorInterpretation).toBe('Palette');
    expect(band.colorTable.entries.slice(0, 4)).toEqual([[0, 0, 255, 255], [0, 128, 0, 255], [0, 0, 0, 255], [200, 30, 30, 255]]);
    expect(band.categories).toEqual(['water', 'forest', '', 'urban']);
    expect(band.metadata['']).toEqual({ CLASS_0: 'water', CLASS_1: 'forest', CLASS_3: 'urban' });
    expect(band.noDataValue).toBe(255);
    expect(info.metadata['']).toMatchObject({ MODEL: 'satdifuser-small', HEAD: 'upernet@v3 <R&amp;D>', FUSION: 'gw', TILING: '256/32', SOURCE_FILE: 'scene.tif' });
    expect(readFileSync(`${path}.aux.xml`, 'utf8')).toContain('<Category>urban</Category>');
  });

  it('rewriting without class names removes the stale sidecar (GDAL would show old categories)', async () => {
    const path = join(dir, 'mask.tif');
    expect(existsSync(`${path}.aux.xml`)).toBe(true);
    await writeSynthetic(path, small, ramp);
    expect(existsSync(`${path}.aux.xml`)).toBe(false);
  });

  it.skipIf(!hasGdal)('float nodata NaN and a large negative nodata are what GDAL reports', async () => {
    const nan = join(dir, 'nan.tif');
    await writeSynthetic(nan, { ...small, dataType: 'float32', nodata: NaN }, (x, y) => (x === y ? NaN : x - y));
    expect(String(gdalinfo(nan).bands[0].noDataValue)).toBe('NaN');
    const big = join(dir, 'neg.tif');
    await writeSynthetic(big, { ...small, dataType: 'float64', nodata: -3.4028234663852886e38 }, (x, y) => x * y);
    expect(gdalinfo(big).bands[0].noDataValue).toBe(-3.4028234663852886e38);
  });
});

describe.skipIf(!hasGdal)('band interpretation', () => {
  it('three uint8 bands are RGB; an alpha band is Alpha; other stacks are grey + undefined extra samples', async () => {
    const interp = async (name: string, o: Partial<CogWriterOptions>) => {
      const path = join(dir, name);
      await writeSynthetic(path, { ...small, ...o } as CogWriterOptions, (x, y, b) => (x + y + b) & 255);
      return gdalinfo(path).bands.map((b: { colorInterpretation: string }) => b.colorInterpretation);
    };
    expect(await interp('rgb.tif', { bands: 3 })).toEqual(['Red', 'Green', 'Blue']);
    expect(await interp('rgba.tif', { bands: 4, alpha: true })).toEqual(['Red', 'Green', 'Blue', 'Alpha']);
    expect(await interp('grey3.tif', { bands: 3, photometric: 'minisblack' })).toEqual(['Gray', 'Undefined', 'Undefined']);
    expect(await interp('u16.tif', { bands: 2, dataType: 'uint16', alpha: true })).toEqual(['Gray', 'Alpha']);
  });
});

describe('BigTIFF', () => {
  it('forced BigTIFF reads back in geotiff.js and GDAL and is a valid COG', async () => {
    const path = join(dir, 'big.tif');
    const o: CogWriterOptions = { width: 100, height: 90, bands: 3, dataType: 'uint16', tileSize: 32, bigTiff: 'yes', crs: { kind: 'epsg', code: 32633, geographic: false }, transform: [0, 1, 0, 90, 0, -1] };
    const gen = (x: number, y: number, b: number) => x * 600 + y * 7 + b;
    const r = await writeSynthetic(path, o, gen);
    expect(r.bigTiff).toBe(true);
    const head = readFileSync(path).subarray(0, 16);
    expect([...head.subarray(0, 8)]).toEqual([0x49, 0x49, 43, 0, 8, 0, 0, 0]);
    const tiff = await fromFile(path);
    const px = (await (await tiff.getImage(0)).readRasters()) as unknown as Uint16Array[];
    tiff.close();
    for (let b = 0; b < 3; b++) expect(firstMismatch(px[b], fullBand(o, gen, b, Uint16Array))).toBeNull();
    if (!hasGdal) return;
    const g = gdalPixels(path);
    for (let b = 0; b < 3; b++) expect(firstMismatch(g.bands[b], fullBand(o, gen, b, Uint16Array))).toBeNull();
    const v = validateCog(path);
    if (v) expect(v.valid, v.output).toBe(true);
  });
});
