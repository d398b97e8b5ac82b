// `satdifuser segment <raster> [--aoi <geojson>] [--head <head>|--default] --out <mask.tif>
//  [--vector <out.gpkg|.shp|.geojson>] [--probabilities <probs.tif>]`
// Everything a run needs is checked first (raster, AOI, outputs, head); then the job runs with a progress
// bar, Ctrl+C cancels it (running the same command again resumes), and the outcome is printed.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { makePreparer } from '../../engine/heads/features/preparer';
import { runSegmentation, type SegmentJobResult } from '../../engine/jobs/segment';
import { segmentationWriter, validateSegmentOutputs } from '../../engine/jobs/segmentOutputs';
import { rasterFingerprint } from '../../engine/jobs/sourceFingerprint';
import { sha256Hex } from '../../engine/store/featureKey';
import { vectorFormatOf } from '../../engine/export/vector/writeVector';
import { InvalidArgumentError } from '../../shared/errors';
import type { CliCommand, CliContext } from '../command';
import { parseCommandArgs } from './args';
import { providerChoice } from './models/provider';
import { providersFromChoice } from '../../engine/runtime';
import { jobEventPrinter, printOutcome, withAnalysis, type JobArea } from './analysisRun';

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
  --threads <n>           onnxruntime threads for the backbone and head (default: all cores)
  --provider <p>          cpu|cuda|dml|webgpu for the backbone and head (default: $SATDIFUSER_PROVIDER, else cpu); a
                          GPU that cannot start falls back to cpu and says why
  --store <file>          feature cache and job journal database (default: $SATDIFUSER_STORE or the user cache)

--default uses the segmentation head shipped with the default backbone (models/<backbone>/heads/, see
docs/default-head.md); its bands, backbone and ground sample distance are checked like any head's.`;

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
  readonly threads: number | null;
  /** --provider as given (checked when the job opens its sessions); null: $SATDIFUSER_PROVIDER, else CPU. */
  readonly provider?: string | null;
  /** Output block size in pixels (default: the writer's 512); overviews are built down to one block. */
  readonly blockSize?: number;
}

const num = (v: unknown, name: string, min: number): number | null => {
  if (v === undefined) return null;
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n) || n < min) throw new InvalidArgumentError(`--${name} needs a number ≥ ${min}, got "${String(v)}".`, usage);
  return n;
};

const threadsOf = (n: number | null): number | null => {
  if (n !== null && !Number.isInteger(n)) throw new InvalidArgumentError('--threads needs a whole number ≥ 1.', usage);
  return n;
};

export function parseSegmentArgs(args: string[], usageText = usage): SegmentArgs {
  const { values, positionals } = parseCommandArgs(args, {
    aoi: { type: 'string' }, head: { type: 'string' }, default: { type: 'boolean' }, out: { type: 'string' },
    vector: { type: 'string' }, probabilities: { type: 'string' }, 'min-area': { type: 'string' }, simplify: { type: 'string' },
    overlap: { type: 'string' }, store: { type: 'string' }, threads: { type: 'string' }, provider: { type: 'string' },
  }, usageText);
  const problems: string[] = [];
  if (positionals.length !== 1) problems.push(positionals.length ? 'give exactly one raster' : 'give the raster to segment');
  if (typeof values.out !== 'string') problems.push('--out <mask.tif> is required');
  if (values.head !== undefined && values.default) problems.push('give either --head <head> or --default, not both');
  if (problems.length) throw new InvalidArgumentError(`satdifuser segment: ${problems.join('; ')}.`, usageText);
  if (typeof values.vector === 'string') vectorFormatOf(values.vector);
  // A wrong --provider is refused before anything is opened.
  if (typeof values.provider === 'string') providersFromChoice(values.provider);
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
    threads: threadsOf(num(values.threads, 'threads', 1)),
    provider: typeof values.provider === 'string' ? values.provider : null,
  };
}

/** Segments with the parsed arguments; `demo` runs the same job on the sample scene. */
export async function runSegmentCommand(a: SegmentArgs, ctx: CliContext, describe: (r: SegmentJobResult) => string = describeSegmentation): Promise<number> {
  const beforeHead = ({ source, box }: JobArea) =>
    validateSegmentOutputs({ maskPath: a.out, probabilitiesPath: a.probabilities, vectorPath: a.vector, info: source.info, classes: [], provenance: { source: a.raster, model: '', head: '' } }, box);
  return withAnalysis({ raster: a.raster, aoi: a.aoi, head: a.head, task: 'seg', store: a.store, threads: a.threads ?? undefined, session: providerChoice(a.provider ?? undefined, ctx.stderr), beforeHead }, ctx.signal, async ({ area, opened, store }) => {
    const { source, box } = area;
    const { head, predictor, backbone } = opened;
    if (a.head === null) ctx.stderr.write(`Default head: ${head.card.name} (${opened.headPath}) on ${backbone.description}.\n`);
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
        vector: { simplifyPixels: a.simplify, minArea: a.minArea }, tileSize: a.blockSize, signal: ctx.signal,
      }),
    }, { signal: ctx.signal, onEvent: printer.onEvent });
    printer.done();
    return printOutcome(outcome, ctx, describe);
  });
}

/** Where the outputs are, how the tiles were obtained, and the share of each class. */
export function describeSegmentation(r: SegmentJobResult): string {
  const total = Object.values(r.pixelsPerClass).reduce((x, y) => x + y, 0);
  const lines = [`Wrote ${r.maskPath}${r.probabilitiesPath ? `, ${r.probabilitiesPath}` : ''}${r.vectorPath ? `, ${r.vectorPath} (${r.featureCount} polygons)` : ''}.`,
    `${r.tiles} tiles (${r.cacheHits} from the cache, ${r.extractedTiles} extracted${r.resumedTiles ? `, ${r.resumedTiles} resumed` : ''}); classes:`,
    ...r.classes.map((c) => `  ${String(c.id).padStart(3)} ${c.name}: ${total ? ((100 * (r.pixelsPerClass[c.id] ?? 0)) / total).toFixed(1) : '0.0'} %`)];
  return lines.join('\n') + '\n';
}

export const command: CliCommand = {
  name: 'segment',
  summary: 'Segment a raster or an AOI into a class mask (GeoTIFF) with optional probabilities and vectors',
  usage,
  run: (args, ctx) => runSegmentCommand(parseSegmentArgs(args), ctx),
};
