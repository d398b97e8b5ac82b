// `satdifuser segment <raster> [--aoi <geojson>] [--head <head>|--default] --out <mask.tif>
//  [--vector <out.gpkg|.shp|.geojson>] [--probabilities <probs.tif>]`
// Everything a run needs is checked first (raster, AOI, outputs, head); then the job runs with a progress
// bar, Ctrl+C cancels it (running the same command again resumes), and the outcome is printed.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { checkCompatible } from '../../engine/heads/artifact/card';
import { loadHead, type LoadedHead } from '../../engine/heads/artifact/io';
import { openBackbone, type BackboneHandle } from '../../engine/heads/features/extractors';
import { makePreparer } from '../../engine/heads/features/preparer';
import { HeadPredictor } from '../../engine/heads/infer/predictor';
import { runSegmentation, type SegmentJobResult } from '../../engine/jobs/segment';
import { segmentationWriter } from '../../engine/jobs/segmentOutputs';
import { rasterFingerprint } from '../../engine/jobs/sourceFingerprint';
import { sha256Hex } from '../../engine/store/featureKey';
import { defaultStorePath, openStore } from '../../engine/store/store';
import { FileNotFoundError, InvalidArgumentError, SatError, deserializeError } from '../../shared/errors';
import type { JobEstimate, JobEvent, JobOutcome } from '../../shared/jobs';
import { validateSegmentOutputs } from '../../engine/jobs/segmentOutputs';
import { vectorFormatOf } from '../../engine/export/vector/writeVector';
import { openRaster } from '../../engine/raster/open';
import { tileGrid } from '../../engine/raster/tileGrid';
import type { PixelWindow } from '../../shared/geometry';
import type { RasterSource } from '../../engine/raster/source';
import type { CliCommand, CliContext } from '../command';
import { parseCommandArgs } from './args';
import { createProgress, type ProgressReporter } from '../progress';
import { loadAoi } from './tiles';

const usage = `Usage: satdifuser segment <raster> [--aoi <geojson>] [--head <head>|--default] --out <mask.tif>
                          [--vector <out.gpkg|.shp|.geojson>] [--probabilities <probs.tif>]

Segments the raster (or the AOI) tile by tile with the SatDiFuser backbone and a segmentation head, blending
overlapping tiles so there are no seams, and writes the class mask as a cloud-optimized GeoTIFF on exactly the
raster's grid (nodata 255 outside the AOI), optionally the per-class probabilities (percent) and vectors.
Ctrl+C cancels; running the same command again resumes where it stopped.

Options:
  --aoi <file>            GeoJSON polygon (WGS 84 unless it has a crs member); default: the whole raster
  --head <head>           a trained head (folder or head.json); --default: the shipped default head
  --out <mask.tif>        class mask (uint8, colour table, class names, provenance)
  --probabilities <tif>   one band per class, percent (0–100), nodata 255
  --vector <file>         polygons per class region (.gpkg, .shp or .geojson) with class, area, mean probability
  --min-area <m²>         drop vector polygons smaller than this (CRS units²; default 0)
  --simplify <pixels>     vector simplification tolerance in pixels (default 1.5; 0 = exact pixel edges)
  --overlap <pixels>      tile overlap (default 1/8 of the backbone's tile)
  --store <file>          feature cache and job journal database (default: $SATDIFUSER_STORE or the user cache)`;

export interface SegmentArgs {
  readonly raster: string;
  readonly aoi: string | null;
  readonly head: string | null;
  readonly out: string;
  readonly vector: string | null;
  readonly probabilities: string | null;
  readonly minArea: number;
  readonly simplify: number;
  readonly overlap: number | null;
  readonly store: string | null;
}

const num = (v: unknown, name: string, min: number): number | null => {
  if (v === undefined) return null;
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n) || n < min) throw new InvalidArgumentError(`--${name} needs a number ≥ ${min}, got "${String(v)}".`, usage);
  return n;
};

export function parseSegmentArgs(args: string[], usageText = usage): SegmentArgs {
  const { values, positionals } = parseCommandArgs(args, {
    aoi: { type: 'string' }, head: { type: 'string' }, default: { type: 'boolean' }, out: { type: 'string' },
    vector: { type: 'string' }, probabilities: { type: 'string' }, 'min-area': { type: 'string' }, simplify: { type: 'string' },
    overlap: { type: 'string' }, store: { type: 'string' },
  }, usageText);
  const problems: string[] = [];
  if (positionals.length !== 1) problems.push(positionals.length ? 'give exactly one raster' : 'give the raster to segment');
  if (typeof values.out !== 'string') problems.push('--out <mask.tif> is required');
  if (values.head !== undefined && values.default) problems.push('give either --head <head> or --default, not both');
  if (problems.length) throw new InvalidArgumentError(`satdifuser segment: ${problems.join('; ')}.`, usageText);
  if (typeof values.vector === 'string') vectorFormatOf(values.vector);
  const overlap = num(values.overlap, 'overlap', 0);
  if (overlap !== null && !Number.isInteger(overlap)) throw new InvalidArgumentError('--overlap needs a whole number of pixels.', usageText);
  return {
    raster: positionals[0],
    aoi: typeof values.aoi === 'string' ? values.aoi : null,
    head: typeof values.head === 'string' ? values.head : null,
    out: values.out as string,
    vector: typeof values.vector === 'string' ? values.vector : null,
    probabilities: typeof values.probabilities === 'string' ? values.probabilities : null,
    minArea: num(values['min-area'], 'min-area', 0) ?? 0,
    simplify: num(values.simplify, 'simplify', 0) ?? 1.5,
    overlap,
    store: typeof values.store === 'string' ? values.store : null,
  };
}

/** Opens the raster and places the AOI on it: the box and mask a job runs over. */
export async function openJobArea(raster: string, aoiPath: string | null, signal?: AbortSignal): Promise<{ source: RasterSource; box: PixelWindow; aoiMask?: (w: PixelWindow) => Uint8Array }> {
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

/** The default head: none is shipped yet (issue 6 trains heads; no default is in models/). */
export function noDefaultHead(task: 'segmentation' | 'classification'): never {
  throw new SatError('NOT_IMPLEMENTED', `There is no default ${task} head yet: no trained head is shipped with the default backbone (models/).`, {
    hint: `Train one with \`satdifuser train --task ${task === 'segmentation' ? 'seg' : 'cls'} …\` and pass it with --head <head>.`,
    details: { missing: 'default head' },
  });
}

/** A trained head and the backbone it was trained on, checked against each other and the raster. */
export async function openHeadAndBackbone(headPath: string, task: 'seg' | 'cls', raster: { bandCount: number; path: string }, threads?: number): Promise<{ head: LoadedHead; predictor: HeadPredictor; backbone: BackboneHandle }> {
  if (!existsSync(resolve(headPath))) throw new FileNotFoundError(headPath, 'head');
  const head = loadHead(headPath);
  if (head.card.spec.task !== task) {
    throw new InvalidArgumentError(`The head "${head.card.name}" ${head.card.spec.task === 'seg' ? 'segments' : 'classifies'}; use it with \`satdifuser ${head.card.spec.task === 'seg' ? 'segment' : 'classify'}\`.`);
  }
  const backbone = await openBackbone(head.card.backbone.source ?? head.card.backbone.id, { tileSize: head.card.input.tileSize, threads, batch: 2 });
  try {
    checkCompatible(head.card, backbone.ref, raster);
    return { head, predictor: await HeadPredictor.open(head, { threads }), backbone };
  } catch (e) {
    await backbone.release();
    throw e;
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

export function printOutcome(o: JobOutcome<unknown>, ctx: CliContext, describe: (result: never) => string): number {
  if (o.status === 'succeeded') {
    ctx.stdout.write(describe(o.result as never));
    return 0;
  }
  if (o.status === 'cancelled') {
    ctx.stderr.write(`Cancelled after ${o.done} of ${o.total} tiles${o.resumable ? '; run the same command again to resume.' : '.'}\n`);
    return 130;
  }
  throw deserializeError(o.reason);
}

export const command: CliCommand = {
  name: 'segment',
  summary: 'Segment a raster or an AOI into a class mask (GeoTIFF) with optional probabilities and vectors',
  usage,
  async run(args, ctx) {
    const a = parseSegmentArgs(args);
    if (!existsSync(a.raster)) throw new FileNotFoundError(a.raster, 'raster');
    const area = await openJobArea(a.raster, a.aoi, ctx.signal);
    const { source, box } = area;
    let opened: Awaited<ReturnType<typeof openHeadAndBackbone>> | null = null;
    const store = openStore(a.store ?? defaultStorePath());
    try {
      validateSegmentOutputs({ maskPath: a.out, probabilitiesPath: a.probabilities, vectorPath: a.vector, info: source.info, classes: [], provenance: { source: a.raster, model: '', head: '' } }, box);
      if (a.head === null) noDefaultHead('segmentation');
      opened = await openHeadAndBackbone(a.head, 'seg', { bandCount: source.info.bands, path: a.raster });
      const { head, predictor, backbone } = opened;
      const preparer = await makePreparer(source, head.card.input.bands, ctx.signal);
      const printer = jobEventPrinter('segment', ctx);
      const outcome = await runSegmentation({
        source, sourceFingerprint: rasterFingerprint(a.raster), box, aoiMask: area.aoiMask,
        aoiId: a.aoi ? sha256Hex(readFileSync(a.aoi)) : undefined,
        preparer, extractor: backbone.extractor, head: predictor, overlap: a.overlap ?? undefined, batchSize: 2,
        journal: store.journal, cache: store.cache, timings: store.timings,
        outputId: { out: resolve(a.out), probabilities: a.probabilities && resolve(a.probabilities), vector: a.vector && resolve(a.vector), minArea: a.minArea, simplify: a.simplify, head: head.card.weights.sha256 },
        write: segmentationWriter({
          maskPath: a.out, probabilitiesPath: a.probabilities, vectorPath: a.vector, info: source.info, classes: predictor.classes,
          provenance: { source: a.raster, model: backbone.ref.id, head: head.card.name, fusion: head.card.spec.fusion },
          vector: { simplifyPixels: a.simplify, minArea: a.minArea }, signal: ctx.signal,
        }),
      }, { signal: ctx.signal, onEvent: printer.onEvent });
      printer.done();
      return printOutcome(outcome, ctx, (r: SegmentJobResult) => {
        const total = Object.values(r.pixelsPerClass).reduce((x, y) => x + y, 0);
        const lines = [`Wrote ${r.maskPath}${r.probabilitiesPath ? `, ${r.probabilitiesPath}` : ''}${r.vectorPath ? `, ${r.vectorPath} (${r.featureCount} polygons)` : ''}.`,
          `${r.tiles} tiles (${r.cacheHits} from the cache, ${r.extractedTiles} extracted${r.resumedTiles ? `, ${r.resumedTiles} resumed` : ''}); classes:`,
          ...r.classes.map((c) => `  ${String(c.id).padStart(3)} ${c.name}: ${total ? ((100 * (r.pixelsPerClass[c.id] ?? 0)) / total).toFixed(1) : '0.0'} %`)];
        return lines.join('\n') + '\n';
      });
    } finally {
      store.close();
      await opened?.predictor.release();
      await opened?.backbone.release();
      await source.close();
    }
  },
};
