// `satdifuser eval --head <head> --dataset <manifest.json> [--json]`: scores a trained head on labelled data it
// did not train on. --json prints {"mIoU": …, "overallAccuracy": …, "perClass": {"<id>": {"iou": …, "f1": …}}}
// (segmentation; fractions in [0, 1], null for a class absent from both labels and predictions) or
// {"accuracy": …, "macroF1": …, "perClass": {"<id>": {"f1": …, "precision": …, "recall": …}}} (classification).
import { InvalidArgumentError } from '../../shared/errors';
import { loadHead } from '../../engine/heads/artifact/io';
import { readManifest } from '../../engine/heads/dataset/manifest';
import { evaluateHead } from '../../engine/heads/evaluate';
import type { ClassificationMetrics, SegmentationMetrics } from '../../engine/heads/metrics';
import { formatMetricsTable } from '../../engine/heads/report';
import { metricsSummary } from '../../engine/heads/train/run';
import { openStore } from '../../engine/store/store';
import type { CliCommand } from '../command';
import { createProgress } from '../progress';
import { intOption, parseCommandArgs } from './args';

const usage = `Usage: satdifuser eval --head <head> --dataset <manifest.json> [--json]

Scores a trained head on a labelled dataset (every labelled pixel or sample counts; use data the head was not
trained on). Features come from the feature cache or the head's own backbone.

Options:
  --head <head>            the head folder (or its head.json / weights.safetensors)
  --dataset <manifest>     JSON array of {"raster", "labels"} (seg) or {"raster", "class", "window"} (cls), or a
                           folder with one subfolder per class
  --json                   print the scores as JSON
  --threads <n>            onnxruntime threads
  --store <file>           feature cache (default: $SATDIFUSER_STORE or the user cache); --no-cache: none`;

export function evalJson(m: SegmentationMetrics | ClassificationMetrics): Record<string, unknown> {
  const round = (v: number | null) => (v === null || Number.isNaN(v) ? null : Math.round(v * 1e6) / 1e6);
  if ('mIoU' in m) {
    return {
      mIoU: round(m.mIoU), overallAccuracy: round(m.overallAccuracy),
      perClass: Object.fromEntries(m.perClass.map((c, id) => [String(id), { iou: round(c.iou), f1: round(c.f1) }])),
    };
  }
  return {
    accuracy: round(m.accuracy), macroF1: round(m.macroF1),
    perClass: Object.fromEntries(m.perClass.map((c, id) => [String(id), { f1: round(c.f1), precision: round(c.precision), recall: round(c.recall) }])),
  };
}

export const command: CliCommand = {
  name: 'eval',
  summary: 'Score a trained head on a labelled dataset (mIoU, per-class IoU/F1; --json)',
  usage,
  async run(args, ctx) {
    const { values, positionals } = parseCommandArgs(args, {
      head: { type: 'string' }, dataset: { type: 'string' }, json: { type: 'boolean' }, threads: { type: 'string' },
      store: { type: 'string' }, 'no-cache': { type: 'boolean' },
    }, usage);
    const problems: string[] = [];
    if (positionals.length) problems.push(`unexpected argument "${positionals[0]}"`);
    if (typeof values.head !== 'string') problems.push('--head <head> is required');
    if (typeof values.dataset !== 'string') problems.push('--dataset <manifest.json> is required');
    if (problems.length) throw new InvalidArgumentError(`satdifuser eval: ${problems.join('; ')}.`, usage);
    const head = loadHead(values.head as string);
    const dataset = readManifest(values.dataset as string);
    const store = values['no-cache'] ? null : openStore(typeof values.store === 'string' ? values.store : undefined);
    const bar = createProgress('eval', ctx.stderr);
    try {
      const r = await evaluateHead(head, dataset, {
        cache: store?.cache ?? null, threads: values.threads !== undefined ? intOption(values, 'threads', 0) : undefined, signal: ctx.signal,
        onProgress: (done, total) => bar.update({ done, total, unit: dataset.task === 'seg' ? 'rasters' : 'samples' }),
      });
      bar.finish();
      if (values.json) ctx.stdout.write(JSON.stringify(evalJson(r.metrics)) + '\n');
      else ctx.stdout.write(formatMetricsTable([{ name: head.card.name, metrics: metricsSummary(r.metrics)! }], head.card.classes));
      return 0;
    } finally {
      store?.close();
    }
  },
};
