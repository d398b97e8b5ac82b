// Runs `node bin/satdifuser.mjs …` as a user would, and compares `info --json` with `gdalinfo -json`.
import { spawnSync } from 'node:child_process';
import { expect } from 'vitest';

export function cli(args: string[], input?: string): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['bin/satdifuser.mjs', ...args], { encoding: 'utf8', input, maxBuffer: 1 << 28, env: { ...process.env, SATDIFUSER_FROM_SOURCE: '1' } });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const GDAL_TYPE: Record<string, string> = {
  Byte: 'uint8', Int8: 'int8', UInt16: 'uint16', Int16: 'int16', UInt32: 'uint32', Int32: 'int32', Float32: 'float32', Float64: 'float64',
};

/** Every field of our `info --json` that gdalinfo also reports, checked against gdalinfo's value. */
export function expectInfoMatchesGdal(ours: any, gdal: any, label: string): void {
  const b0 = gdal.bands[0];
  expect([ours.width, ours.height], `${label}: size`).toEqual(gdal.size);
  expect(ours.bands, `${label}: bands`).toBe(gdal.bands.length);
  // A 1-bit or signed-byte GDAL band keeps its GDAL type name; everything here is a plain type.
  const gdalType = b0.type === 'Byte' && gdal.bands[0].metadata?.IMAGE_STRUCTURE?.PIXELTYPE === 'SIGNEDBYTE' ? 'int8' : GDAL_TYPE[b0.type];
  expect(ours.dataType, `${label}: dataType`).toBe(gdalType);
  const epsg = gdal.stac?.['proj:epsg'] ?? null;
  expect(ours.epsg, `${label}: epsg`).toBe(epsg);
  if (gdal.geoTransform) {
    const gt = gdal.geoTransform as number[];
    ours.transform.forEach((v: number, i: number) => expect(v, `${label}: transform[${i}]`).toBeCloseTo(gt[i], 6));
    expect(ours.origin[0]).toBeCloseTo(gt[0], 6);
    expect(ours.origin[1]).toBeCloseTo(gt[3], 6);
    expect(ours.pixelSize[0]).toBeCloseTo(gt[1], 9);
    expect(ours.pixelSize[1]).toBeCloseTo(gt[5], 9);
    expect(ours.georeferenced, `${label}: georeferenced`).toBe(true);
  } else {
    expect(ours.georeferenced, `${label}: georeferenced`).toBe(false);
  }
  const nd = b0.noDataValue;
  expect(ours.nodata, `${label}: nodata`).toEqual(nd === undefined ? null : nd);
  expect(ours.overviews, `${label}: overviews`).toBe((b0.overviews ?? []).length);
  expect(ours.overviewSizes, `${label}: overview sizes`).toEqual((b0.overviews ?? []).map((o: any) => o.size));
  expect(ours.blockSize, `${label}: block size`).toEqual(b0.block);
  const structure = gdal.metadata?.IMAGE_STRUCTURE ?? {};
  expect(ours.compression, `${label}: compression`).toBe(structure.COMPRESSION ?? 'NONE');
  if (structure.INTERLEAVE && ours.bands > 1) expect(ours.interleave.toUpperCase(), `${label}: interleave`).toBe(structure.INTERLEAVE);
  expect(ours.bandNames, `${label}: band names`).toEqual(gdal.bands.map((b: any) => b.description || null));
  for (const corner of ['upperLeft', 'lowerLeft', 'upperRight', 'lowerRight', 'center']) {
    ours.cornerCoordinates[corner].forEach((v: number, i: number) => expect(v, `${label}: ${corner}`).toBeCloseTo(gdal.cornerCoordinates[corner][i], 3));
  }
  // gdalinfo -json lists mask flags only for alpha and per-dataset masks; a nodata mask shows as noDataValue.
  const maskFlags: string[] = b0.mask?.flags ?? [];
  const kind = maskFlags.includes('ALPHA') ? 'alpha' : maskFlags.includes('PER_DATASET') ? 'internal' : nd !== undefined ? 'nodata' : 'none';
  expect(ours.mask, `${label}: mask`).toBe(kind);
}
