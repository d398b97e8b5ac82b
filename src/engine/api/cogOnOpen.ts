// Cloud-optimized copies made on open: a striped raster, or a large one without overviews, is slow to draw from
// its own bytes (one range request per thin strip, full-resolution reads at every zoom). Such files are rewritten
// once as a tiled, compressed COG with overviews into the engine's cache, keyed by path, size and mtime.
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { RasterInfo } from '../../shared/raster';
import { rewriteAsCog } from '../export/geotiff';

/** Why a copy should be made, or null when the file can be served as it is. */
export function cogReason(info: RasterInfo): string | null {
  if (info.format !== 'GeoTIFF') return `it is a ${info.format} (the map reads GeoTIFF bytes)`;
  if (!info.tiled) return 'it is stored in strips';
  if (info.overviews.length === 0 && Math.max(info.width, info.height) > 2048) return 'it has no overviews';
  return null;
}

export function cogCachePath(dataDir: string, path: string): string {
  const st = statSync(path);
  const key = createHash('sha256').update(`${path}\0${st.size}\0${st.mtimeMs}`).digest('hex').slice(0, 24);
  return join(dataDir, 'cog-cache', `${key}.tif`);
}

export async function makeCog(source: string, target: string, signal: AbortSignal, onProgress: (done: number, total: number, phase: string) => void): Promise<void> {
  if (existsSync(target)) return;
  await mkdir(join(target, '..'), { recursive: true });
  // The writer writes to a temporary file in the target folder and renames at the end: a cancelled or failed
  // conversion leaves no partial COG in the cache.
  await rewriteAsCog(source, target, {
    tileSize: 256,
    signal,
    onProgress: (p) => onProgress(p.done, p.total, p.phase),
  });
}
