// Rasters with known pixel values written by GDAL (the independent reference), and GDAL's own reads of them.
// Tests that need GDAL skip when /usr/bin/python3 with osgeo.gdal is absent (CI installs python3-gdal).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const PY = '/usr/bin/python3';
const SCRIPT = resolve('test/engine/raster/gdal_fixture.py');

export const hasGdalPython: boolean = (() => {
  const r = spawnSync(PY, ['-c', 'import numpy; from osgeo import gdal'], { encoding: 'utf8' });
  return r.status === 0;
})();

export const hasGdalCli: boolean = spawnSync('gdalinfo', ['--version'], { encoding: 'utf8' }).status === 0;

export type DType = 'uint8' | 'int8' | 'uint16' | 'int16' | 'uint32' | 'int32' | 'float32' | 'float64';

export interface FixtureSpec {
  width: number;
  height: number;
  bands: number;
  dtype: DType;
  pattern?: 'mix' | 'ramp';
  co?: string[];
  gt?: number[];
  srs?: string;
  nodata?: number;
  nodataRect?: [number, number, number, number];
  alpha?: [number, number, number, number];
  mask?: [number, number, number, number];
  overviews?: number[];
  overviewsAfter?: number[];
  ovResampling?: string;
  descriptions?: string[];
  pixelIsPoint?: boolean;
  colorTable?: boolean;
  driver?: 'GTiff' | 'PNG' | 'JPEG';
}

/** Must match gdal_fixture.py pattern(). */
export function patternValue(spec: Pick<FixtureSpec, 'dtype' | 'pattern'>, b: number, x: number, y: number): number {
  if (spec.pattern === 'ramp') return x * 2 + y * 3 + b;
  switch (spec.dtype) {
    case 'uint8': return ((x * 7 + y * 13 + b * 31) % 251) + 1;
    case 'int8': return ((x * 7 + y * 13 + b * 31) % 250) - 125;
    case 'uint16': return ((x * 97 + y * 389 + b * 1009) % 60000) + 1;
    case 'int16': return ((x * 97 + y * 389 + b * 1009) % 60000) - 30000;
    case 'uint32': return ((x * 100003 + y * 7919 + b * 1000003) % 4000000000) + 1;
    case 'int32': return ((x * 100003 + y * 7919 + b * 1000003) % 4000000000) - 2000000000;
    default: return x * 0.5 - y * 0.25 + b * 100 + ((x * y) % 7) * 0.125;
  }
}

/** The value the fixture holds at (b, x, y), nodata rectangle and alpha band included. */
export function fixtureValue(spec: FixtureSpec, b: number, x: number, y: number): number {
  if (spec.alpha && b === spec.bands - 1) {
    const [x0, y0, x1, y1] = spec.alpha;
    return x >= x0 && x < x1 && y >= y0 && y < y1 ? 0 : 255;
  }
  if (spec.nodataRect && spec.nodata !== undefined) {
    const [x0, y0, x1, y1] = spec.nodataRect;
    if (x >= x0 && x < x1 && y >= y0 && y < y1) return spec.nodata;
  }
  return patternValue(spec, b, x, y);
}

let dir: string | null = null;
let counter = 0;
export function tempDir(): string {
  dir ??= mkdtempSync(join(tmpdir(), 'satdifuser-raster-'));
  return dir;
}
export function cleanup(): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = null;
}

function runPy(mode: string, spec: object): string {
  const specPath = join(tempDir(), `spec-${counter++}.json`);
  writeFileSync(specPath, JSON.stringify(spec));
  const r = spawnSync(PY, [SCRIPT, mode, specPath], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`gdal_fixture.py ${mode} failed: ${r.stderr}`);
  return r.stdout;
}

/** Writes the fixture with GDAL and returns its path. */
export function makeRaster(spec: FixtureSpec, name = `r${counter}.tif`): string {
  const path = join(tempDir(), name);
  runPy('make', { ...spec, path });
  return path;
}

export interface GdalRead {
  bands: number[][];
  mask: number[];
  maskFlags: number;
}

export function gdalRead(path: string, req: { window: [number, number, number, number]; outWidth?: number; outHeight?: number; resampling?: string; overview?: number; bands?: number[] }): GdalRead {
  return JSON.parse(runPy('read', { ...req, path })) as GdalRead;
}

/** CRS points of the raster → lon/lat in the raster CRS's own geographic base, by GDAL/PROJ. */
export function gdalToGeographic(path: string, points: [number, number][]): { points: [number, number][]; wkt: string } {
  return JSON.parse(runPy('geographic', { path, points }));
}

export function gdalinfoJson(path: string): any {
  const r = spawnSync('gdalinfo', ['-json', path], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`gdalinfo failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}
