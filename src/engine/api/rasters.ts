// The open rasters of an engine: each gets an id the UI uses for statistics, identify, analysis and the served
// bytes the map reads. Opening the same file twice returns the same handle.
import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { IdentifyResult, RasterHandle, RasterStatistics } from '../../shared/contract';
import { FileNotFoundError, InvalidArgumentError, SatError } from '../../shared/errors';
import { openRaster } from '../raster/open';
import type { RasterSource } from '../raster/source';
import { crsToPixel } from '../geo/affine';
import { bandStatistics } from './bandStatistics';
import { crsForRaster, rememberCrs, transformer } from './crsRef';
import { cogCachePath, cogReason, makeCog } from './cogOnOpen';
import type { JobHub } from './jobHub';

/** Longest side of the grid statistics are computed on. */
const STATS_SAMPLE = 1024;

interface OpenRaster {
  readonly handle: RasterHandle;
  readonly source: RasterSource;
  readonly originalPath: string;
  /** The file whose bytes the map reads (the original, or a COG made on open). */
  readonly servedPath: string;
  readonly servedBytes: number;
}

export interface RasterRegistryOptions {
  /** Where COG copies are cached; null disables COG-on-open. */
  readonly dataDir: string | null;
  /** Runs the COG conversion as a job, so the UI shows its progress and can cancel it. */
  readonly jobs: JobHub | null;
}

export class RasterRegistry {
  private readonly byId = new Map<string, OpenRaster>();
  private readonly byPath = new Map<string, string>();

  constructor(private readonly options: RasterRegistryOptions = { dataDir: null, jobs: null }) {}

  /** The COG copy to serve instead of the original, made now if needed; the original when not needed or not possible. */
  private async servedCopy(source: RasterSource, rasterId: string, name: string): Promise<{ path: string; kind: 'original' | 'cog'; note: string | null }> {
    const reason = cogReason(source.info);
    const { dataDir, jobs } = this.options;
    const original = { path: source.info.path, kind: 'original' as const };
    if (!reason) return { ...original, note: null };
    if (!dataDir || !jobs) return { ...original, note: `Served as stored although ${reason}; drawing may be slow.` };
    const target = cogCachePath(dataDir, source.info.path);
    const { jobId } = jobs.start('cog', `Optimizing ${name} for display`, null, async (ctx) => {
      const started = performance.now();
      await makeCog(source.info.path, target, ctx.signal, (done, total, phase) => {
        const elapsed = (performance.now() - started) / 1000;
        const rate = elapsed > 0 ? done / elapsed : 0;
        ctx.progress({ phase: phase === 'tiles' ? 'tiles' : 'writing', done, total, unit: 'tiles', rate, etaSeconds: rate > 0 ? (total - done) / rate : null, elapsedSeconds: elapsed, cacheHits: 0 });
      });
      return { kind: 'cog', raster: { rasterId, name, info: source.info, served: { kind: 'cog', bytes: (await stat(target)).size, note: null } } };
    });
    const outcome = await jobs.settled(jobId);
    if (outcome?.status === 'succeeded') return { path: target, kind: 'cog', note: `A cloud-optimized copy is drawn because ${reason}.` };
    const why = outcome?.status === 'failed' ? outcome.reason.message : 'the conversion was cancelled';
    return { ...original, note: `Served as stored although ${reason} (${why}); drawing may be slow.` };
  }

  async open(path: string, signal?: AbortSignal): Promise<RasterHandle> {
    const full = resolve(path);
    const known = this.byPath.get(full);
    if (known) return this.byId.get(known)!.handle;
    let bytes: number;
    try {
      const st = await stat(full);
      if (st.isDirectory()) throw new InvalidArgumentError(`"${full}" is a folder, not a raster file.`);
      bytes = st.size;
    } catch (e) {
      if (e instanceof SatError) throw e;
      throw new FileNotFoundError(full, 'raster');
    }
    const source = await openRaster(full, { signal });
    if (source.info.crs?.epsg != null) rememberCrs(source.info.crs.epsg, source.info.crs.definition);
    const rasterId = randomUUID();
    const served = await this.servedCopy(source, rasterId, basename(full));
    const servedBytes = served.kind === 'cog' ? (await stat(served.path)).size : bytes;
    const handle: RasterHandle = {
      rasterId,
      name: basename(full),
      info: source.info,
      served: { kind: served.kind, bytes: servedBytes, note: served.note },
    };
    // A second open of the same file while this one converted returns the first handle.
    const raced = this.byPath.get(full);
    if (raced) {
      await source.close();
      return this.byId.get(raced)!.handle;
    }
    this.byId.set(rasterId, { handle, source, originalPath: full, servedPath: served.path, servedBytes });
    this.byPath.set(full, rasterId);
    return handle;
  }

  get(rasterId: string): OpenRaster {
    const r = this.byId.get(rasterId);
    if (!r) throw new InvalidArgumentError(`No open raster has the id "${rasterId}".`, 'Open the raster again (it may have been closed or the engine restarted).');
    return r;
  }

  servedFile(rasterId: string): { path: string; size: number } | null {
    const r = this.byId.get(rasterId);
    return r ? { path: r.servedPath, size: r.servedBytes } : null;
  }

  async statistics(rasterId: string, bands: readonly number[] | null, signal?: AbortSignal): Promise<RasterStatistics> {
    const { source } = this.get(rasterId);
    const { info } = source;
    const list = bands ?? Array.from({ length: info.bands }, (_, i) => i);
    for (const b of list) if (b >= info.bands) throw new InvalidArgumentError(`Band ${b + 1} does not exist: the raster has ${info.bands} bands.`);
    const scale = Math.min(1, STATS_SAMPLE / Math.max(info.width, info.height));
    const outWidth = Math.max(1, Math.round(info.width * scale));
    const outHeight = Math.max(1, Math.round(info.height * scale));
    const block = await source.read({
      window: { x: 0, y: 0, width: info.width, height: info.height },
      bands: list, outWidth, outHeight, overview: scale < 1 ? 'auto' : 0, resampling: 'nearest', signal,
    });
    return {
      bands: list.map((b, i) => bandStatistics(b, block.bands[i]!, block.valid)),
      approximate: scale < 1,
      sampledFrom: scale < 1 ? `a ${outWidth}×${outHeight} sample of ${info.width}×${info.height}` : `all ${info.width}×${info.height} pixels`,
    };
  }

  async identify(rasterId: string, x: number, y: number, crs: string): Promise<IdentifyResult> {
    const { source } = this.get(rasterId);
    const { info } = source;
    crsForRaster(crs, info);
    const rasterXY: [number, number] = info.crs ? transformer(crs, info.crs.definition)([x, y]) : [x, y];
    const [col, row] = crsToPixel(info.transform, rasterXY);
    const bandNames = info.bandNames.map((n, i) => n ?? `Band ${i + 1}`);
    const pc = Math.floor(col);
    const pr = Math.floor(row);
    if (!(pc >= 0 && pr >= 0 && pc < info.width && pr < info.height)) {
      return { inside: false, pixel: null, values: [], bandNames, rasterXY };
    }
    const block = await source.read({ window: { x: pc, y: pr, width: 1, height: 1 } });
    const valid = block.valid[0] === 1;
    return { inside: true, pixel: { col: pc, row: pr }, values: block.bands.map((b) => (valid ? Number(b[0]) : null)), bandNames, rasterXY };
  }

  async close(rasterId: string): Promise<boolean> {
    const r = this.byId.get(rasterId);
    if (!r) return false;
    this.byId.delete(rasterId);
    this.byPath.delete(r.originalPath);
    await r.source.close();
    return true;
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.byId.keys()].map((id) => this.close(id)));
  }
}
