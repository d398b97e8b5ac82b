// `satdifuser demo [--out <folder>]` (and `npm run demo`): the main job, end to end, on a fresh install. Segments
// the bundled sample scene (Landsat 7, resources/sample/L7_ETMs.tif) with the default backbone and its shipped
// default head, the same job `satdifuser segment --default` runs, and writes the class mask, the probabilities and
// the polygons into one folder. Progress on stderr, Ctrl+C cancels (the same command resumes).
import { mkdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { resourcePath } from '../../engine/geo/resources';
import { pixelAreaKm2 } from '../../engine/jobs/guards';
import type { SegmentJobResult } from '../../engine/jobs/segment';
import { openRaster } from '../../engine/raster/open';
import { InvalidArgumentError, SatError } from '../../shared/errors';
import type { CliCommand } from '../command';
import { parseCommandArgs } from './args';
import { runSegmentCommand } from './segment';

const usage = `Usage: satdifuser demo [--out <folder>] [--threads <n>] [--store <file>]

Runs the main job on the bundled sample scene (Landsat 7 ETM+, Olinda, Brazil, 349 × 352 px at 28.5 m,
EPSG:31985): segments it with the default SatDiFuser backbone and its shipped demonstration head (water,
vegetation, built-up) and writes into the folder (default ./satdifuser-demo):
  classes.tif        class mask, cloud-optimized GeoTIFF with colour table and class names
  probabilities.tif  one band per class, percent
  polygons.gpkg      the class regions as polygons (class, area, mean probability)
then prints where they are, the area of each class and the time taken.

Options:
  --out <folder>   where to write (created if needed; existing demo outputs are replaced)
  --threads <n>    onnxruntime threads (default: all cores)
  --store <file>   feature cache and job journal (default: $SATDIFUSER_STORE or the user cache)`;

export const command: CliCommand = {
  name: 'demo',
  summary: 'Segment the bundled sample scene with the default model (mask, probabilities, polygons)',
  usage,
  async run(args, ctx) {
    const started = performance.now();
    const { values, positionals } = parseCommandArgs(args, { out: { type: 'string' }, threads: { type: 'string' }, store: { type: 'string' } }, usage);
    if (positionals.length) throw new InvalidArgumentError(`satdifuser demo takes no raster (it runs on the bundled sample scene); got "${positionals.join(' ')}".`, usage);
    const threads = values.threads === undefined ? null : Number(values.threads);
    if (threads !== null && !(Number.isInteger(threads) && threads >= 1)) throw new InvalidArgumentError(`--threads needs a whole number ≥ 1, got "${String(values.threads)}".`, usage);
    const dir = resolve(typeof values.out === 'string' ? values.out : 'satdifuser-demo');
    try {
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw new SatError('IO_ERROR', `The demo folder "${dir}" cannot be created.`, { hint: 'Choose a folder you can write to with --out <folder>.', cause: e });
    }
    const raster = resourcePath('sample', 'L7_ETMs.tif');
    const src = await openRaster(raster, { signal: ctx.signal });
    const km2PerPixel = pixelAreaKm2(src.info);
    await src.close();
    const show = (p: string) => (relative(process.cwd(), p).startsWith('..') ? p : relative(process.cwd(), p) || '.');
    ctx.stderr.write(`Segmenting the sample scene ${show(raster)} with the default backbone and head into ${show(dir)}/\n`);
    return runSegmentCommand({
      raster, aoi: null, head: null, out: join(dir, 'classes.tif'), probabilities: join(dir, 'probabilities.tif'), vector: join(dir, 'polygons.gpkg'),
      minArea: 0, simplify: 1.5, overlap: null, store: typeof values.store === 'string' ? values.store : null, threads,
      // 256-px blocks: the 349 × 352 scene then gets an overview level (at the default 512 it fits one block and has none).
      blockSize: 256,
    }, ctx, (r: SegmentJobResult) => {
      const total = Object.values(r.pixelsPerClass).reduce((x, y) => x + y, 0);
      const name = Math.max(...r.classes.map((c) => c.name.length));
      const lines = [
        `Class mask:     ${show(r.maskPath)}`,
        `Probabilities:  ${show(r.probabilitiesPath ?? '')}`,
        `Polygons:       ${show(r.vectorPath ?? '')} (${r.featureCount} polygons)`,
        `Class areas (${total.toLocaleString('en')} px${km2PerPixel === null ? '' : `, ${(total * km2PerPixel).toFixed(2)} km²`}):`,
        ...r.classes.map((c) => {
          const px = r.pixelsPerClass[c.id] ?? 0;
          const area = km2PerPixel === null ? `${px.toLocaleString('en')} px` : `${(px * km2PerPixel).toFixed(2).padStart(7)} km²`;
          return `  ${c.name.padEnd(name)}  ${area}  ${(total ? (100 * px) / total : 0).toFixed(1).padStart(5)} %`;
        }),
        `${r.tiles} tiles (${r.extractedTiles} extracted, ${r.cacheHits} from the feature cache); done in ${((performance.now() - started) / 1000).toFixed(1)} s.`,
      ];
      return lines.join('\n') + '\n';
    });
  },
};
