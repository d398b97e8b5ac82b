// GDAL as an independent referee for what the writer produces (a test-time tool only): gdalinfo -json,
// pixel dumps through gdal_translate -of ENVI (raw band-sequential samples), and GDAL's own COG validator.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const has = (cmd: string) => spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0;
export const hasGdal = has('gdalinfo') && has('gdal_translate');

const validatorPaths = [
  '/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_cloud_optimized_geotiff.py',
  '/usr/share/doc/python3-gdal/examples/validate_cloud_optimized_geotiff.py',
];
export const cogValidator = validatorPaths.find((p) => existsSync(p)) ?? null;
const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

export function gdalinfo(path: string, ...args: string[]): any {
  return JSON.parse(execFileSync('gdalinfo', ['-json', '-nofl', ...args, path], { maxBuffer: 64 << 20 }).toString());
}

/** The CRS GDAL reads from the file, as a proj4 string (normalised form, for comparisons). */
export function gdalProj4(path: string): string {
  return execFileSync('gdalsrsinfo', ['-o', 'proj4', path]).toString().trim();
}

export type Samples = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array;

const ctorFor: Record<string, new (b: ArrayBuffer) => Samples> = {
  Byte: Uint8Array, Int8: Int8Array, UInt16: Uint16Array, Int16: Int16Array, UInt32: Uint32Array, Int32: Int32Array, Float32: Float32Array, Float64: Float64Array,
};

/** Every band of `path` (or of overview `ovr`, 0 = first overview) as GDAL decodes it. */
export function gdalPixels(path: string, ovr?: number): { width: number; height: number; bands: Samples[] } {
  const dir = mkdtempSync(join(tmpdir(), 'gdalpx-'));
  try {
    const out = join(dir, 'px.bin');
    const args = ['-q', '-of', 'ENVI', '-co', 'INTERLEAVE=BSQ'];
    if (ovr !== undefined) args.push('-ovr', String(ovr));
    execFileSync('gdal_translate', [...args, path, out]);
    const info = gdalinfo(out);
    const [width, height] = info.size as [number, number];
    // GDAL 3.6 has no Int8 type: signed bytes are Byte with PIXELTYPE=SIGNEDBYTE on the source.
    const signedByte = gdalinfo(path).bands[0].metadata?.IMAGE_STRUCTURE?.PIXELTYPE === 'SIGNEDBYTE';
    const Ctor = signedByte ? Int8Array : ctorFor[info.bands[0].type as string];
    const raw = readFileSync(out);
    const buf = raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength);
    const all = new Ctor(buf);
    const n = width * height;
    return { width, height, bands: info.bands.map((_: unknown, b: number) => all.subarray(b * n, (b + 1) * n)) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** GDAL's COG validator with the full leader/trailer check; null when python3-gdal is missing. */
export function validateCog(path: string): { valid: boolean; output: string } | null {
  if (!cogValidator) return null;
  const r = spawnSync(python, [cogValidator, '--full-check=yes', path], { encoding: 'utf8' });
  if (r.error) return null;
  return { valid: r.status === 0, output: `${r.stdout}${r.stderr}` };
}
