// `satdifuser classify <raster> [--aoi <geojson>] [--head <head>|--default] [--grid] [--out <labels.tif>]`
// Classifies the AOI (one label, printed) or, with --grid, every cell of a grid over it (a scene-label
// raster, one pixel per cell). Same checks, progress, cancel and resume as `segment`.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { InvalidArgumentError } from '../../shared/errors';
import { makePreparer } from '../../engine/heads/features/preparer';
import { runClassification, type ClassifyJobResult } from '../../engine/jobs/classify';
import { writeLabelGrid } from '../../engine/jobs/classifyOutputs';
import { rasterFingerprint } from '../../engine/jobs/sourceFingerprint';
import { sha256Hex } from '../../engine/store/featureKey';
import type { CliCommand } from '../command';
import { intOption, parseCommandArgs } from './args';
import { jobEventPrinter, printOutcome, withAnalysis } from './analysisRun';

const usage = `Usage: satdifuser classify <raster> [--aoi <geojson>] [--head <head>|--default] [--grid --out <labels.tif>]
                           [--overlap <pixels>] [--json] [--store <file>]

Classifies the whole raster or the AOI into one scene class (printed, with the class probabilities), or with
--grid every cell of a grid over it (cell = backbone tile − overlap) into a scene-label GeoTIFF whose pixels are
the cells.

Options:
  --aoi <file>        GeoJSON polygon (WGS 84 unless it has a crs member)
  --head <head>       a trained classification head; --default: the shipped default head
  --grid              classify every cell; needs --out
  --out <labels.tif>  the scene-label raster (uint8 class ids, colour table, class names; nodata 255)
  --overlap <pixels>  context around each cell (default 0)
  --threads <n>       onnxruntime threads (default: all cores)
  --store <file>      feature cache and job journal database (default: $SATDIFUSER_STORE or the user cache)
  --json              print the result as JSON

--default uses the classification head shipped with the default backbone, if it ships one (it ships a
segmentation head only: use \`satdifuser segment --default\`).`;

export const command: CliCommand = {
  name: 'classify',
  summary: 'Classify a raster or an AOI (one label), or every cell of a grid into a scene-label raster',
  usage,
  async run(args, ctx) {
    const { values, positionals } = parseCommandArgs(args, {
      aoi: { type: 'string' }, head: { type: 'string' }, default: { type: 'boolean' }, grid: { type: 'boolean' }, out: { type: 'string' },
      overlap: { type: 'string' }, json: { type: 'boolean' }, store: { type: 'string' }, threads: { type: 'string' },
    }, usage);
    const problems: string[] = [];
    if (positionals.length !== 1) problems.push(positionals.length ? 'give exactly one raster' : 'give the raster to classify');
    if (values.grid && typeof values.out !== 'string') problems.push('--grid needs --out <labels.tif>');
    if (!values.grid && values.out !== undefined) problems.push('--out is for --grid (a scene-label raster)');
    if (typeof values.out === 'string' && !/\.tiff?$/i.test(values.out)) problems.push('--out must be a .tif file');
    if (values.head !== undefined && values.default) problems.push('give either --head <head> or --default, not both');
    if (problems.length) throw new InvalidArgumentError(`satdifuser classify: ${problems.join('; ')}.`, usage);
    const raster = positionals[0];
    const aoiPath = typeof values.aoi === 'string' ? values.aoi : null;
    const threads = intOption(values, 'threads', 0) || undefined;
    if (threads !== undefined && threads < 1) throw new InvalidArgumentError('--threads needs a whole number ≥ 1.', usage);
    const head = typeof values.head === 'string' ? values.head : null;
    return withAnalysis({ raster, aoi: aoiPath, head, task: 'cls', store: typeof values.store === 'string' ? values.store : null, threads }, ctx.signal, async ({ area, opened, store }) => {
      const { source, box } = area;
      const { head: loaded, predictor, backbone } = opened;
      const out = typeof values.out === 'string' ? resolve(values.out) : null;
      const provenance = { source: raster, model: backbone.ref.id, head: loaded.card.name };
      const printer = jobEventPrinter('classify', ctx);
      const outcome = await runClassification({
        source, sourceFingerprint: rasterFingerprint(raster), box, aoiMask: area.aoiMask, aoiId: aoiPath ? sha256Hex(readFileSync(aoiPath)) : undefined,
        preparer: await makePreparer(source, loaded.card.input.bands, ctx.signal), extractor: backbone.extractor, head: predictor,
        mode: values.grid ? 'grid' : 'aoi', overlap: intOption(values, 'overlap', 0), batchSize: 2,
        journal: store.journal, cache: store.cache, timings: store.timings, outputId: { out, head: loaded.card.weights.sha256 },
        writeGrid: out ? (grid) => writeLabelGrid(out, grid, source.info, predictor.classes, provenance, ctx.signal) : undefined,
      }, { signal: ctx.signal, onEvent: printer.onEvent });
      printer.done();
      return printOutcome(outcome, ctx, (r: ClassifyJobResult) => {
        if (values.json) return JSON.stringify({ label: r.label, labelRasterPath: r.labelRasterPath, classes: r.classes, tiles: r.tiles, cacheHits: r.cacheHits }, null, 2) + '\n';
        if (r.label) {
          const best = r.classes.find((c) => c.id === r.label!.classId);
          return `${best?.name ?? r.label.classId} (${(100 * r.label.probabilities[r.label.classId]).toFixed(1)} %)\n` +
            r.classes.map((c, i) => `  ${String(c.id).padStart(3)} ${c.name}: ${(100 * r.label!.probabilities[i]).toFixed(1)} %`).join('\n') + '\n';
        }
        if (r.label === null && !r.grid) return 'The area holds no valid pixel: nothing to classify.\n';
        return `Wrote ${r.labelRasterPath ?? '(no output)'}: ${r.grid!.cols} × ${r.grid!.rows} cells of ${r.grid!.stride} px (${r.cacheHits} tiles from the cache).\n`;
      });
    });
  },
};
