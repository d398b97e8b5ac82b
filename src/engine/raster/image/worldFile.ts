// ESRI world files (.pgw, .jgw, .wld…) and .prj sidecars: how PNG and JPEG rasters carry georeferencing.
// A world file gives the CENTRE of the top-left pixel; GDAL's transform uses its outer corner.
import { existsSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { SatError } from '../../../shared/errors';
import type { CrsInfo, GeoTransform } from '../../../shared/geometry';
import { crsFromDefinition } from '../../geo/crs';

export interface Sidecars {
  readonly transform: GeoTransform | null;
  readonly crs: CrsInfo | null;
  readonly notes: string[];
}

function candidates(path: string, exts: string[]): string[] {
  const base = path.slice(0, path.length - extname(path).length);
  return exts.flatMap((e) => [base + e, base + e.toUpperCase()]);
}

export function readSidecars(path: string): Sidecars {
  const ext = extname(path).toLowerCase().slice(1);
  const short = ext.length >= 3 ? `${ext[0]}${ext[ext.length - 1]}w` : `${ext}w`;
  const notes: string[] = [];
  let transform: GeoTransform | null = null;
  const wf = candidates(path, [`.${short}`, `.${ext}w`, '.wld']).find((p) => existsSync(p));
  if (wf) {
    const v = readFileSync(wf, 'utf8').trim().split(/\s+/).map(Number);
    if (v.length >= 6 && v.slice(0, 6).every(Number.isFinite) && v[0] * v[3] - v[1] * v[2] !== 0) {
      const [a, d, b, e, c, f] = v;
      transform = [c - a / 2 - b / 2, a, b, f - d / 2 - e / 2, d, e];
    } else {
      notes.push(`world file ${wf} is not six numbers: ignored`);
    }
  }
  let crs: CrsInfo | null = null;
  const prj = candidates(path, ['.prj']).find((p) => existsSync(p));
  if (prj && transform) {
    try {
      crs = crsFromDefinition(readFileSync(prj, 'utf8'));
    } catch (e) {
      if (!(e instanceof SatError)) throw e;
      notes.push(`${prj}: ${e.message}`);
    }
  }
  return { transform, crs, notes };
}
