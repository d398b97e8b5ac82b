// What `segment`, `classify` and `demo` share: the raster and AOI a job runs over, the head (--head or the shipped
// default) with the backbone it was trained on, the feature store, the job's events on the terminal, and the
// release of all of it however the run ends.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { checkCompatible } from '../../engine/heads/artifact/card';
import { loadHead, type LoadedHead } from '../../engine/heads/artifact/io';
import { openBackbone, type BackboneHandle } from '../../engine/heads/features/extractors';
import type { SessionChoice } from '../../engine/backbone/providers';
import { HeadPredictor } from '../../engine/heads/infer/predictor';
import { requireDefaultHead, type HeadTask } from '../../engine/api/defaultHead';
import { openRaster } from '../../engine/raster/open';
import type { RasterSource } from '../../engine/raster/source';
import { tileGrid } from '../../engine/raster/tileGrid';
import { defaultStorePath, openStore, type Store } from '../../engine/store/store';
import { FileNotFoundError, InvalidArgumentError, deserializeError } from '../../shared/errors';
import type { PixelWindow } from '../../shared/geometry';
import type { JobEstimate, JobEvent, JobOutcome } from '../../shared/jobs';
import type { CliContext } from '../command';
import { createProgress, type ProgressReporter } from '../progress';
import { loadAoi } from './tiles';

export interface JobArea {
  readonly source: RasterSource;
  readonly box: PixelWindow;
  readonly aoiMask?: (w: PixelWindow) => Uint8Array;
}

/** Opens the raster and places the AOI on it: the box and mask a job runs over. */
export async function openJobArea(raster: string, aoiPath: string | null, signal?: AbortSignal): Promise<JobArea> {
  if (!existsSync(raster)) throw new FileNotFoundError(raster, 'raster');
  const source = await openRaster(raster, { signal });
  try {
    const aoi = aoiPath ? await loadAoi(aoiPath) : null;
    // The raster engineer's grid places the AOI (reprojection, pixel box, rasterized mask); tiles are laid by the job.
    const grid = tileGrid(source.info, { tileSize: 16, overlap: 0, aoi, maxTiles: Number.MAX_SAFE_INTEGER });
    return { source, box: grid.extent, aoiMask: grid.aoiPixels ? (w) => grid.aoiMask(w) : undefined };
  } catch (e) {
    await source.close();
    throw e;
  }
}

export interface OpenedHead {
  readonly head: LoadedHead;
  readonly predictor: HeadPredictor;
  readonly backbone: BackboneHandle;
  /** The head folder actually used (the shipped default's, for --default). */
  readonly headPath: string;
}

/** `--head <path>` as given, or for `--default` (head null) the default head shipped with the default backbone. */
export function resolveHeadPath(head: string | null, task: HeadTask): string {
  return head ?? requireDefaultHead(task).folder;
}

/** A trained head and the backbone it was trained on, checked against each other and the raster. */
export async function openHeadAndBackbone(headPath: string, task: HeadTask, raster: { bandCount: number; path: string }, session: SessionChoice = {}): Promise<OpenedHead> {
  if (!existsSync(resolve(headPath))) throw new FileNotFoundError(headPath, 'head');
  const head = loadHead(headPath);
  if (head.card.spec.task !== task) {
    throw new InvalidArgumentError(`The head "${head.card.name}" ${head.card.spec.task === 'seg' ? 'segments' : 'classifies'}; use it with \`satdifuser ${head.card.spec.task === 'seg' ? 'segment' : 'classify'}\`.`);
  }
  const backbone = await openBackbone(head.card.backbone.source ?? head.card.backbone.id, { ...session, tileSize: head.card.input.tileSize, batch: 2 });
  try {
    checkCompatible(head.card, backbone.ref, raster);
    return { head, predictor: await HeadPredictor.open(head, { threads: session.threads, providers: session.providers }), backbone, headPath };
  } catch (e) {
    await backbone.release();
    throw e;
  }
}

export interface AnalysisSession {
  readonly area: JobArea;
  readonly opened: OpenedHead;
  readonly store: Store;
}

export interface AnalysisOptions {
  readonly raster: string;
  readonly aoi: string | null;
  /** null: the shipped default head for the task. */
  readonly head: string | null;
  readonly task: HeadTask;
  readonly store: string | null;
  readonly threads?: number;
  /** `--provider`: execution providers for the backbone and head sessions, and who is told what ran. */
  readonly session?: SessionChoice;
  /** Checks that need the open raster (outputs, grid) before the head and backbone are loaded. */
  readonly beforeHead?: (area: JobArea) => void;
}

/** Opens everything a job needs, runs `body`, and releases it all whatever happens. */
export async function withAnalysis<T>(o: AnalysisOptions, signal: AbortSignal | undefined, body: (s: AnalysisSession) => Promise<T>): Promise<T> {
  const area = await openJobArea(o.raster, o.aoi, signal);
  let store: Store | null = null;
  let opened: OpenedHead | null = null;
  try {
    o.beforeHead?.(area);
    const headPath = resolveHeadPath(o.head, o.task);
    store = openStore(o.store ?? defaultStorePath());
    opened = await openHeadAndBackbone(headPath, o.task, { bandCount: area.source.info.bands, path: o.raster }, { ...o.session, threads: o.threads });
    return await body({ area, opened, store });
  } finally {
    store?.close();
    await opened?.predictor.release();
    await opened?.backbone.release();
    await area.source.close();
  }
}

// A job's events on the terminal: the estimate, warnings, a progress bar and (printOutcome) the outcome.
export function formatEstimate(e: JobEstimate): string {
  const time = e.expectedSeconds === null ? 'unknown until the first tiles run' : `~${e.expectedSeconds < 90 ? `${Math.ceil(e.expectedSeconds)} s` : `${(e.expectedSeconds / 60).toFixed(1)} min`} (${e.timingSource === 'measured' ? 'measured here' : "the model's nominal figure"})`;
  const area = e.areaKm2 === null ? `${e.pixels.toLocaleString('en')} px` : `${e.areaKm2.toFixed(e.areaKm2 < 10 ? 3 : 1)} km² (${e.pixels.toLocaleString('en')} px)`;
  return `Estimate: ${e.tiles} tiles over ${area}; ${e.cachedTiles} cached, ${e.resumedTiles} already done; ${time} on ${e.device}.\n`;
}

export function jobEventPrinter(label: string, ctx: CliContext): { onEvent: (e: JobEvent<unknown>) => void; done: () => void } {
  let bar: ProgressReporter | null = null;
  return {
    onEvent(e) {
      if (e.type === 'estimate') ctx.stderr.write(formatEstimate(e.estimate));
      else if (e.type === 'warning') ctx.stderr.write(`${ctx.stderr.isTTY ? '\r\x1b[K' : ''}Warning: ${e.warning.message}\n`);
      else if (e.type === 'progress') {
        bar ??= createProgress(label, ctx.stderr);
        const p = e.progress;
        bar.update({ done: p.done, total: p.total, unit: p.unit, message: p.phase === 'writing' ? 'writing outputs' : p.cacheHits ? `${p.cacheHits} cached` : undefined });
      }
    },
    done() {
      bar?.finish();
    },
  };
}

/** Exit code of a finished job: 0 (and `describe` on stdout), 130 cancelled, or the failure thrown as its SatError. */
export function printOutcome<R>(o: JobOutcome<R>, ctx: CliContext, describe: (result: R) => string): number {
  if (o.status === 'succeeded') {
    ctx.stdout.write(describe(o.result));
    return 0;
  }
  if (o.status === 'cancelled') {
    ctx.stderr.write(`Cancelled after ${o.done} of ${o.total} tiles${o.resumable ? '; run the same command again to resume.' : '.'}\n`);
    return 130;
  }
  throw deserializeError(o.reason);
}
