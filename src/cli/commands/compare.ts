// `satdifuser compare --heads a,b,c (--dataset <manifest.json> | --raster <r>) [--out <dir>]`: runs several heads
// on the same cached features, prints the per-class table (when the dataset has labels) and writes, per raster, a
// disagreement raster: the number of heads whose class differs from the per-pixel majority (0 = all agree).
import { mkdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { InvalidArgumentError, SatError } from '../../shared/errors';
import type { RasterInfo } from '../../shared/raster';
import { writeCogFromSource } from '../../engine/export/geotiff';
import { loadHead, type LoadedHead } from '../../engine/heads/artifact/io';
import { readManifest, type Dataset } from '../../engine/heads/dataset/manifest';
import { evaluateHead, openHeadBackbone } from '../../engine/heads/evaluate';
import { formatMetricsTable } from '../../engine/heads/report';
import { metricsSummary } from '../../engine/heads/train/run';
import { openRaster } from '../../engine/raster/open';
import { openStore } from '../../engine/store/store';
import type { CliCommand } from '../command';
import { intOption, parseCommandArgs } from './args';
import { evalJson } from './eval';

const usage = `Usage: satdifuser compare --heads <a,b,c> (--dataset <manifest.json> | --raster <raster>) [--out <dir>]

Runs two or more heads trained on the same backbone over the same features (extracted once, cached), prints the
per-class scores side by side when the dataset has labels, and writes for each raster a disagreement raster
(uint8 GeoTIFF on the raster's grid: how many heads differ from the per-pixel majority; 0 = all agree).

Options:
  --heads <a,b,c>          head folders, comma-separated
  --dataset <manifest>     segmentation manifest ({"raster", "labels"}); its labels score the heads
  --raster <raster>        or one raster without labels (disagreement only)
  --out <dir>              where the disagreement rasters go (default: the current folder)
  --json                   print {"heads": [{"name", "scores"}], "disagreement": [{"raster", "file", "fraction"}]}
  --threads <n>            onnxruntime threads
  --store <file>           feature cache (default: $SATDIFUSER_STORE or the user cache); --no-cache: none`;

async function writeDisagreement(path: string, info: RasterInfo, counts: Uint8Array, heads: number): Promise<void> {
  const crs = info.georeferenced && info.epsg ? { kind: 'epsg' as const, code: info.epsg, geographic: info.crs?.units === 'degree' } : null;
  await writeCogFromSource(path, {
    async read(w) {
      const out = new Uint8Array(w.width * w.height);
      for (let r = 0; r < w.height; r++) out.set(counts.subarray((w.y + r) * info.width + w.x, (w.y + r) * info.width + w.x + w.width), r * w.width);
      return [out];
    },
  }, {
    width: info.width, height: info.height, bands: 1, dataType: 'uint8', tileSize: 256, crs, transform: info.georeferenced ? info.transform : null,
    classNames: Array.from({ length: heads }, (_, k) => (k === 0 ? 'all heads agree' : `${k} head${k > 1 ? 's' : ''} differ from the majority`)),
    metadata: [{ name: 'SATDIFUSER_LAYER', value: 'disagreement' }],
  });
}

export const command: CliCommand = {
  name: 'compare',
  summary: 'Compare heads on the same features: per-class table and a disagreement raster',
  usage,
  async run(args, ctx) {
    const { values, positionals } = parseCommandArgs(args, {
      heads: { type: 'string' }, dataset: { type: 'string' }, raster: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' },
      threads: { type: 'string' }, store: { type: 'string' }, 'no-cache': { type: 'boolean' },
    }, usage);
    const problems: string[] = [];
    if (positionals.length) problems.push(`unexpected argument "${positionals[0]}"`);
    const names = typeof values.heads === 'string' ? values.heads.split(',').map((s) => s.trim()).filter(Boolean) : [];
    if (names.length < 2) problems.push('--heads needs at least two heads, comma-separated');
    if ((values.dataset === undefined) === (values.raster === undefined)) problems.push('give --dataset <manifest.json> or --raster <raster>');
    if (problems.length) throw new InvalidArgumentError(`satdifuser compare: ${problems.join('; ')}.`, usage);
    const heads: LoadedHead[] = names.map((n) => loadHead(n));
    const first = heads[0]!.card;
    for (const h of heads.slice(1)) {
      if (h.card.backbone.id !== first.backbone.id || h.card.backbone.weightsHash !== first.backbone.weightsHash || h.card.input.tileSize !== first.input.tileSize) {
        throw new SatError('MODEL_MISMATCH', `The heads "${first.name}" and "${h.card.name}" were trained on different backbones or tile sizes, so they do not share features.`, { hint: 'Compare heads trained on the same backbone.' });
      }
      if (h.card.spec.task !== 'seg' || h.card.spec.numClasses !== first.spec.numClasses) throw new InvalidArgumentError(`The heads must all be segmentation heads with the same classes ("${h.card.name}" differs).`);
    }
    const dataset: Dataset = typeof values.dataset === 'string'
      ? readManifest(values.dataset)
      : { task: 'seg', samples: [{ raster: values.raster as string, labels: '' }], classes: null, source: values.raster as string };
    const outDir = resolve(typeof values.out === 'string' ? values.out : '.');
    mkdirSync(outDir, { recursive: true });
    const store = values['no-cache'] ? null : openStore(typeof values.store === 'string' ? values.store : undefined);
    const threads = values.threads !== undefined ? intOption(values, 'threads', 0) : undefined;
    const backbone = await openHeadBackbone(heads[0]!, { threads });
    const predictions = new Map<string, { width: number; height: number; maps: Uint8Array[] }>();
    const scored: { name: string; metrics: ReturnType<typeof metricsSummary> & object; json: Record<string, unknown> }[] = [];
    try {
      for (const h of heads) {
        ctx.stderr.write(`compare: running ${h.card.name}\n`);
        const r = await evaluateHead(h, dataset, {
          cache: store?.cache ?? null, threads, signal: ctx.signal,
          onPrediction: (raster, width, height, ids) => {
            const p = predictions.get(raster) ?? { width, height, maps: [] };
            p.maps.push(ids);
            predictions.set(raster, p);
          },
        }, backbone);
        if (r.confusion.total > 0) scored.push({ name: h.card.name, metrics: metricsSummary(r.metrics)!, json: evalJson(r.metrics) });
      }
      const files: { raster: string; file: string; fraction: number }[] = [];
      for (const [raster, p] of predictions) {
        const n = p.width * p.height;
        const counts = new Uint8Array(n);
        const votes = new Uint16Array(256);
        let disagreeing = 0;
        for (let i = 0; i < n; i++) {
          for (const m of p.maps) votes[m[i]!]!++;
          let mode = p.maps[0]![i]!;
          for (const m of p.maps) if (votes[m[i]!]! > votes[mode]! || (votes[m[i]!] === votes[mode] && m[i]! < mode)) mode = m[i]!;
          let k = 0;
          for (const m of p.maps) { if (m[i] !== mode) k++; votes[m[i]!] = 0; }
          counts[i] = k;
          if (k > 0) disagreeing++;
        }
        const src = await openRaster(raster);
        const info = src.info;
        await src.close();
        const file = join(outDir, `${basename(raster).replace(/\.[^.]+$/, '')}.disagreement.tif`);
        await writeDisagreement(file, info, counts, heads.length);
        files.push({ raster, file, fraction: disagreeing / n });
      }
      if (values.json) {
        ctx.stdout.write(JSON.stringify({ heads: heads.map((h) => ({ name: h.card.name, scores: scored.find((s) => s.name === h.card.name)?.json ?? null })), disagreement: files }) + '\n');
      } else {
        if (scored.length) ctx.stdout.write(formatMetricsTable(scored, first.classes));
        for (const f of files) ctx.stdout.write(`${f.file}: ${(100 * f.fraction).toFixed(2)} % of pixels where the heads disagree\n`);
      }
      return 0;
    } finally {
      await backbone.release();
      store?.close();
    }
  },
};
