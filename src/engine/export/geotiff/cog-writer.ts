// The streaming COG writer: tiles in (any order, each once), tiles out. Each tile is reduced into the
// overview pyramid and compressed at once; compressed tiles wait in one temporary file per level; at
// finish the final file is assembled (IFDs first, as a COG must be) into a temporary file beside the
// target and renamed over it, so a reader never sees a partial file and a cancel leaves nothing behind.
import { renameSync, unlinkSync, writeFileSync } from 'node:fs';
import type { PixelWindow } from '../../../shared/geometry';
import { CancelledError, InvalidArgumentError, isSatError } from '../../../shared/errors';
import { assembleCog } from './cog-assembler';
import { planCogLayout } from './cog-layout';
import { resolveCogOptions, type CogWriterOptions, type ResolvedCogOptions } from './cog-options';
import { pamCategoriesXml } from './gdal-metadata';
import { ifdEntries } from './ifd-entries';
import { OverviewBuilder } from './overview-builder';
import type { LevelGeometry } from './pyramid';
import type { Resampling } from './downsample';
import type { SampleArray } from './sample-type';
import { ioError, tempPath } from './temp-files';
import { encodeTile, type TileEncoding } from './tile-encoder';
import { TileSpool } from './tile-spool';

export interface CogResult {
  readonly path: string;
  readonly bytes: number;
  readonly bigTiff: boolean;
  readonly tileSize: number;
  /** Full resolution first, then each overview. */
  readonly levels: readonly LevelGeometry[];
  /** The .aux.xml written beside the file (category names), if any. */
  readonly sidecar: string | null;
  readonly compression: 'deflate' | 'none';
  /** TIFF predictor code: 1 none, 2 horizontal, 3 floating point. */
  readonly predictor: 1 | 2 | 3;
  readonly interleave: 'pixel' | 'band';
  readonly resampling: Resampling;
}

/** An errno failure from the file system (disk full, permissions...), as opposed to a SatError or a bug. */
const isFileSystemError = (e: unknown): boolean => !isSatError(e) && typeof (e as NodeJS.ErrnoException | undefined)?.code === 'string' && typeof (e as NodeJS.ErrnoException).syscall === 'string';

/** Raw bytes of tiles in flight (queued or compressing) before writeTile waits. */
const IN_FLIGHT_BYTES = 64 << 20;

export class CogWriter {
  readonly options: ResolvedCogOptions;
  private readonly spools: TileSpool[] = [];
  private readonly builder: OverviewBuilder;
  private readonly encoding: TileEncoding;
  private readonly written: Uint8Array;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly maxInFlight: number;
  private failure: unknown = null;
  private state: 'open' | 'finishing' | 'done' | 'aborted' = 'open';
  private tilesWritten = 0;
  private readonly signal?: AbortSignal;
  private readonly onProgress?: CogWriterOptions['onProgress'];

  constructor(readonly path: string, options: CogWriterOptions) {
    this.options = resolveCogOptions(options);
    this.signal = options.signal;
    this.onProgress = options.onProgress;
    const o = this.options;
    this.encoding = { type: o.type, tileSize: o.tileSize, bands: o.bands, interleave: o.interleave, compression: o.compression, level: o.level, predictor: o.predictor };
    const tileBytes = o.tileSize * o.tileSize * o.bands * o.type.bytes;
    this.maxInFlight = Math.max(2, Math.min(32, Math.floor(IN_FLIGHT_BYTES / tileBytes)));
    this.written = new Uint8Array(o.levels[0].tilesAcross * o.levels[0].tilesDown);
    const planes = o.interleave === 'band' ? o.bands : 1;
    try {
      o.levels.forEach((g, i) => this.spools.push(new TileSpool(tempPath(path, `L${i}`, options.tempDir), g.tilesAcross * g.tilesDown * planes)));
    } catch (e) {
      this.discardSpools();
      throw ioError(path, 'create temporary files beside', e);
    }
    this.builder = new OverviewBuilder(o.levels, o.tileSize, o.bands, o.type, o.resampling, o.nodata, (level, col, row, bands) => this.encode(level, col, row, bands));
  }

  get tileSize(): number { return this.options.tileSize; }
  get tilesAcross(): number { return this.options.levels[0].tilesAcross; }
  get tilesDown(): number { return this.options.levels[0].tilesDown; }
  get levels(): readonly LevelGeometry[] { return this.options.levels; }
  /** Bytes held by overview tiles still waiting for children: the writer's memory beyond tiles in flight. */
  get pendingOverviewBytes(): number {
    const o = this.options;
    return this.builder.pendingTiles * o.tileSize * o.tileSize * o.bands * o.type.bytes;
  }

  /** The pixel window tile (col, row) covers, clipped to the raster. */
  tileWindow(col: number, row: number): PixelWindow {
    const T = this.options.tileSize;
    return { x: col * T, y: row * T, width: Math.min(T, this.options.width - col * T), height: Math.min(T, this.options.height - row * T) };
  }

  /**
   * Writes full-resolution tile (col, row): one array per band, of the writer's data type, holding
   * either the clipped window (tileWindow) or a whole tileSize² tile, row-major. Resolves when the
   * writer is ready for more (a bounded number of tiles compress in the background).
   */
  async writeTile(col: number, row: number, bands: readonly SampleArray[]): Promise<void> {
    await this.guard();
    if (this.state !== 'open') throw new InvalidArgumentError('Tiles cannot be written after finish().', 'Write every tile, then call finish() once.');
    if (!Number.isInteger(col) || !Number.isInteger(row) || col < 0 || row < 0 || col >= this.tilesAcross || row >= this.tilesDown) {
      throw new InvalidArgumentError(`Tile (${col}, ${row}) is outside the ${this.tilesAcross}×${this.tilesDown} tile grid.`, 'Use tileWindow() to see which pixels each tile covers.');
    }
    if (this.written[row * this.tilesAcross + col]) throw new InvalidArgumentError(`Tile (${col}, ${row}) was already written.`, 'Write each tile exactly once.');
    await this.putTile(col, row, this.padTile(col, row, bands));
  }

  /** Completes the file and renames it into place. */
  async finish(): Promise<CogResult> {
    await this.guard();
    if (this.state !== 'open') throw new InvalidArgumentError('finish() was already called.', 'Call finish() once.');
    this.state = 'finishing';
    const o = this.options;
    try {
      await this.fillMissingTiles();
      await this.drain();
      if (this.signal?.aborted) throw new CancelledError('Writing the GeoTIFF');
      for (const s of this.spools) s.flush();
      const layout = planCogLayout(o.levels.map((_, i) => ({
        entries: ifdEntries(o, i),
        tileLengths: Float64Array.from({ length: this.spools[i].tileCount }, (_, t) => this.spools[i].length(t)),
      })), o.bigTiff);
      const total = this.spools.reduce((n, s) => n + s.tileCount, 0);
      const tmp = tempPath(this.path, 'cog');
      try {
        assembleCog(tmp, layout, this.spools, this.signal, (done) => { if (done % 64 === 0 || done === total) this.onProgress?.({ phase: 'assemble', done, total }); });
        this.discardSpools();
        const sidecar = this.writeSidecar();
        try { renameSync(tmp, this.path); } catch (e) { throw ioError(this.path, 'replace', e); }
        this.state = 'done';
        return { path: this.path, bytes: layout.totalSize, bigTiff: layout.bigTiff, tileSize: o.tileSize, levels: o.levels, sidecar, compression: o.compression, predictor: o.predictor, interleave: o.interleave, resampling: o.resampling };
      } finally {
        try { unlinkSync(tmp); } catch { /* renamed, or never created */ }
      }
    } catch (e) {
      await this.abort();
      throw isFileSystemError(e) ? ioError(this.path, 'write', e) : e;
    }
  }

  /** Stops, waits for background work, and deletes every temporary file. The target is untouched. */
  async abort(): Promise<void> {
    if (this.state === 'done' || this.state === 'aborted') return;
    this.state = 'aborted';
    await Promise.allSettled([...this.inFlight]);
    this.discardSpools();
  }

  /** Throws (after cleaning up) when the writer cannot go on: finished, failed, aborted or cancelled. */
  private async guard(): Promise<void> {
    if (this.state === 'done') throw new InvalidArgumentError('The GeoTIFF writer has already finished.', 'Create a new writer for another file.');
    const err = this.failure ?? (this.signal?.aborted || this.state === 'aborted' ? new CancelledError('Writing the GeoTIFF') : null);
    if (err) {
      await this.abort();
      throw err;
    }
  }

  private async putTile(col: number, row: number, padded: SampleArray[]): Promise<void> {
    this.written[row * this.tilesAcross + col] = 1;
    this.builder.add(0, col, row, padded);
    this.encode(0, col, row, padded);
    this.tilesWritten++;
    this.onProgress?.({ phase: 'tiles', done: this.tilesWritten, total: this.written.length });
    while (this.inFlight.size >= this.maxInFlight && !this.failure) await Promise.race(this.inFlight);
    await this.guard();
  }

  private padTile(col: number, row: number, bands: readonly SampleArray[]): SampleArray[] {
    const o = this.options;
    const T = o.tileSize;
    const w = this.tileWindow(col, row);
    if (!Array.isArray(bands) || bands.length !== o.bands) {
      throw new InvalidArgumentError(`Tile (${col}, ${row}) has ${Array.isArray(bands) ? bands.length : 'no'} bands; the file has ${o.bands}.`, 'Pass one array per band.');
    }
    return bands.map((a, b) => {
      if (!(a instanceof o.type.ArrayType)) {
        throw new InvalidArgumentError(`Band ${b + 1} of tile (${col}, ${row}) is a ${a?.constructor?.name ?? typeof a}; the file is ${o.type.dataType}.`, `Pass ${o.type.ArrayType.name} data (convert it first).`);
      }
      if (a.length === T * T) return a;
      if (a.length !== w.width * w.height) {
        throw new InvalidArgumentError(`Band ${b + 1} of tile (${col}, ${row}) has ${a.length} pixels; expected ${w.width}×${w.height} or ${T}×${T}.`, 'Pass the clipped window (tileWindow) or a whole tile, row-major.');
      }
      const out = new o.type.ArrayType(T * T);
      const fill = o.nodata ?? 0;
      if (fill !== 0) out.fill(fill);
      for (let y = 0; y < w.height; y++) out.set(a.subarray(y * w.width, (y + 1) * w.width), y * T);
      return out;
    });
  }

  private encode(level: number, col: number, row: number, bands: SampleArray[]): void {
    const g = this.options.levels[level];
    const perPlane = g.tilesAcross * g.tilesDown;
    const index = row * g.tilesAcross + col;
    const spool = this.spools[level];
    const job = encodeTile(bands, this.encoding).then((planes) => {
      planes.forEach((bytes, p) => spool.append(p * perPlane + index, bytes));
    }).catch((e) => { this.failure ??= isFileSystemError(e) ? ioError(this.path, 'write temporary tiles for', e) : e; });
    this.inFlight.add(job);
    void job.finally(() => this.inFlight.delete(job));
  }

  private async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.race(this.inFlight);
    if (this.failure) throw this.failure;
  }

  private async fillMissingTiles(): Promise<void> {
    const missing = this.written.reduce((n, v) => n + (v ? 0 : 1), 0);
    if (missing === 0) return;
    if (!this.options.fillMissing) {
      const first = this.written.indexOf(0);
      throw new InvalidArgumentError(`${missing} of ${this.written.length} tiles were never written (the first is (${first % this.tilesAcross}, ${Math.floor(first / this.tilesAcross)})).`, 'Write every tile, or set fillMissing to fill the rest with nodata.', { missing });
    }
    const o = this.options;
    for (let i = 0; i < this.written.length; i++) {
      if (this.written[i]) continue;
      const bands = Array.from({ length: o.bands }, () => {
        const a = new o.type.ArrayType(o.tileSize * o.tileSize);
        if (o.nodata !== null && o.nodata !== 0) a.fill(o.nodata);
        return a;
      });
      await this.putTile(i % this.tilesAcross, Math.floor(i / this.tilesAcross), bands);
    }
  }

  /** Category names go where GDAL looks for them; a stale sidecar from an older file is removed. */
  private writeSidecar(): string | null {
    const aux = `${this.path}.aux.xml`;
    if (!this.options.categorySidecar || !this.options.classNames) {
      try { unlinkSync(aux); } catch { /* none */ }
      return null;
    }
    const tmp = tempPath(aux, 'aux');
    try {
      writeFileSync(tmp, pamCategoriesXml(this.options.classNames), { flag: 'wx' });
      renameSync(tmp, aux);
    } catch (e) {
      try { unlinkSync(tmp); } catch { /* none */ }
      throw ioError(aux, 'write', e);
    }
    return aux;
  }

  private discardSpools(): void {
    for (const s of this.spools) s.discard();
  }
}

/** Opens a COG writer for `path` (created or replaced atomically at finish). */
export function createCogWriter(path: string, options: CogWriterOptions): CogWriter {
  return new CogWriter(path, options);
}
