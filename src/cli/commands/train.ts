// `satdifuser train --task seg|cls --fusion gw|lw|moe|concat --size faithful|light --backbone <model> --out <head>
//  (--raster <r> --labels <l> | --dataset <manifest.json>)`: trains a SatDiFuser head on ONNX Runtime from label
// polygons or label rasters, holds part of the labels out, and writes the head (head.json + weights.safetensors).
import { existsSync, readFileSync } from 'node:fs';
import { InvalidArgumentError } from '../../shared/errors';
import { defaultColour, parseClasses, readManifest, type Dataset } from '../../engine/heads/dataset/manifest';
import { polygonSamples } from '../../engine/heads/labels/polygonSamples';
import { openRaster } from '../../engine/raster/open';
import { parseBands } from '../../engine/heads/features/preparer';
import { FUSIONS, SIZES, type FusionName, type HeadSizeName, type HeadTaskName } from '../../engine/heads/spec';
import { trainFromDataset } from '../../engine/heads/train/run';
import { openStore } from '../../engine/store/store';
import type { CliCommand } from '../command';
import { createProgress } from '../progress';
import { intOption, parseCommandArgs } from './args';
import { formatMetricsTable } from '../../engine/heads/report';

const usage = `Usage: satdifuser train --task seg|cls --fusion gw|lw|moe|concat --size faithful|light --backbone <model>
                        --out <head> (--raster <raster> --labels <labels> | --dataset <manifest.json>)

Trains a SatDiFuser head (fusion of the backbone's multi-timestep, multi-scale features + UPerNet for seg, or a
linear classifier for cls) on ONNX Runtime, evaluates it on held-out labels and saves it as <head>/head.json +
<head>/weights.safetensors.

  --task seg|cls           segmentation (label polygons or a label raster) or image classification
  --fusion gw|lw|moe|concat  Global Weighted, Localized Weighted, Mixture-of-Experts, or simple concatenation
  --size faithful|light    the release's widths (P 384, UPerNet 512, 40 epochs) or narrower and shorter for CPUs
  --backbone <model>       default (shipped model), random-init (its architecture, fresh UNet weights),
                           pixels (no backbone: the image at the same four scales), or an installed id / folder
  --raster <r> --labels <l>  one raster (GeoTIFF, PNG, JPEG) and its labels: polygons (.geojson, .shp, .gpkg) with
                           a class attribute, or a label raster on the raster's grid (class ids, 255 = ignore);
                           with --task cls each polygon is one sample (the square window around it)
  --dataset <manifest>     JSON array of {"raster": path, "labels": path} (seg) or {"raster", "class", "window"}
                           (cls); classes.json beside it names and colours the classes; a folder = one per class

Options:
  --classes <file>         classes.json ([{"id", "name", "color"}]) for --raster/--labels
  --class-field <name>     attribute holding the class (default: class_id, class, label, value, id)
  --bands r,g,b            1-based bands fed to the backbone (default 1,2,3)
  --holdout <fraction>     share of polygons / blocks / rasters held out for the scores (default 0.2)
  --no-holdout             train on every label (score the head with \`satdifuser eval\` on separate data)
  --buffer <pixels>        ignored gap between training and holdout pixels (default 8)
  --epochs <n>             override the schedule's epochs (warm-up and cosine rescaled)
  --timesteps <labels>     baseline: keep only these timesteps (e.g. 47)
  --taps attn1|conv2       baseline: keep only self-attention or resnet taps
  --tile <pixels>          tile size (default 256)
  --crop <pixels>|auto     train on crops of the tiles (default auto: 128 px when labels are sparse)
  --seed <n>               seed for the split, initialisation, shuffling and dropout (default 0)
  --threads <n>            onnxruntime threads (default: all cores)
  --store <file>           feature cache (default: $SATDIFUSER_STORE or the user cache); --no-cache: none
  --name <text>            the head's name (default task-fusion-size-backbone)
  --json                   print the head card as JSON`;

const fraction = (v: unknown): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!(n > 0 && n < 0.9)) throw new InvalidArgumentError(`--holdout needs a fraction between 0 and 0.9, got "${String(v)}".`, usage);
  return n;
};

export const command: CliCommand = {
  name: 'train',
  summary: 'Train a SatDiFuser head (GW/LW/MoE/concat fusion + UPerNet or linear) on labels, on ONNX Runtime',
  usage,
  async run(args, ctx) {
    const { values, positionals } = parseCommandArgs(args, {
      task: { type: 'string' }, fusion: { type: 'string' }, size: { type: 'string' }, backbone: { type: 'string' }, out: { type: 'string' },
      raster: { type: 'string' }, labels: { type: 'string' }, dataset: { type: 'string' }, classes: { type: 'string' }, 'class-field': { type: 'string' },
      bands: { type: 'string' }, holdout: { type: 'string' }, 'no-holdout': { type: 'boolean' }, buffer: { type: 'string' }, epochs: { type: 'string' },
      timesteps: { type: 'string' }, taps: { type: 'string' }, tile: { type: 'string' }, crop: { type: 'string' }, seed: { type: 'string' }, threads: { type: 'string' },
      store: { type: 'string' }, 'no-cache': { type: 'boolean' }, name: { type: 'string' }, json: { type: 'boolean' },
    }, usage);
    const problems: string[] = [];
    if (positionals.length) problems.push(`unexpected argument "${positionals[0]}"`);
    if (values.task !== 'seg' && values.task !== 'cls') problems.push('--task seg|cls is required');
    if (!FUSIONS.includes(values.fusion as FusionName)) problems.push('--fusion gw|lw|moe|concat is required');
    if (!SIZES.includes(values.size as HeadSizeName)) problems.push('--size faithful|light is required');
    if (typeof values.backbone !== 'string') problems.push('--backbone <model> is required (default, random-init, pixels, or an id / folder)');
    if (typeof values.out !== 'string') problems.push('--out <head> is required');
    const single = values.raster !== undefined || values.labels !== undefined;
    if (single && values.dataset !== undefined) problems.push('give either --raster and --labels, or --dataset, not both');
    else if (single && (typeof values.raster !== 'string' || typeof values.labels !== 'string')) problems.push('--raster and --labels go together');
    else if (!single && typeof values.dataset !== 'string') problems.push('give --raster <r> --labels <l>, or --dataset <manifest.json>');
    if (values.taps !== undefined && values.taps !== 'attn1' && values.taps !== 'conv2') problems.push('--taps is attn1 or conv2');
    if (problems.length) throw new InvalidArgumentError(`satdifuser train: ${problems.join('; ')}.`, usage);

    let dataset: Dataset;
    if (single) {
      const classes = typeof values.classes === 'string' ? parseClasses(JSON.parse(readFileSync(values.classes, 'utf8')), values.classes) : null;
      for (const p of [values.raster as string, values.labels as string]) if (!existsSync(p)) throw new InvalidArgumentError(`"${p}" does not exist.`, usage);
      if (values.task === 'seg') {
        dataset = { task: 'seg', samples: [{ raster: values.raster as string, labels: values.labels as string }], classes, source: values.raster as string };
      } else {
        // image-level labels from polygons: one sample per polygon (the square window around it)
        const src = await openRaster(values.raster as string, { signal: ctx.signal });
        const info = src.info;
        await src.close();
        const { samples, names } = polygonSamples(values.raster as string, values.labels as string, info, { classField: values['class-field'] as string | undefined, classes });
        const named = classes ?? [...names].map(([id, name]) => ({ id, name, color: defaultColour(id) }));
        dataset = { task: 'cls', samples, classes: named.length ? named : null, source: values.labels as string };
      }
    } else {
      dataset = readManifest(values.dataset as string);
    }
    const timesteps = typeof values.timesteps === 'string' ? values.timesteps.split(',').map((t) => Number(t.trim())) : undefined;
    if (timesteps?.some((t) => !Number.isInteger(t))) throw new InvalidArgumentError(`--timesteps takes timestep labels such as 47 or 47,40; got "${String(values.timesteps)}".`, usage);
    const selection = timesteps || values.taps ? { timesteps, tapKind: values.taps as 'attn1' | 'conv2' | undefined } : undefined;
    const threads = values.threads !== undefined ? intOption(values, 'threads', 0) : undefined;
    const store = values['no-cache'] ? null : openStore(typeof values.store === 'string' ? values.store : undefined);
    const tiles = createProgress('features', ctx.stderr);
    let stepBar: ReturnType<typeof createProgress> | null = null;
    try {
      const card = await trainFromDataset({
        task: values.task as HeadTaskName, fusion: values.fusion as FusionName, size: values.size as HeadSizeName, backbone: values.backbone as string,
        dataset, out: values.out as string, name: values.name as string | undefined,
        bands: typeof values.bands === 'string' ? parseBands(values.bands) : undefined,
        tileSize: intOption(values, 'tile', 256), epochs: values.epochs !== undefined ? intOption(values, 'epochs', 0) : undefined,
        seed: intOption(values, 'seed', 0), holdoutFraction: fraction(values.holdout), bufferPx: intOption(values, 'buffer', 8),
        classField: values['class-field'] as string | undefined, selection, threads,
        crop: values.crop === undefined || values.crop === 'auto' ? 'auto' : intOption(values, 'crop', 0), cache: store?.cache ?? null, noHoldout: values['no-holdout'] === true,
        signal: ctx.signal,
        onStatus: (m) => ctx.stderr.write(`train: ${m}\n`),
        onTiles: (done, total) => tiles.update({ done, total, unit: 'tiles' }),
        onStep: (e) => {
          stepBar ??= createProgress('training', ctx.stderr);
          stepBar.update({ done: e.step, total: e.totalSteps, unit: 'steps', message: `epoch ${e.epoch + 1} loss ${e.loss.toFixed(4)} lr ${e.lr.toExponential(1)}` });
        },
        onEval: (e) => ctx.stderr.write(`\rtrain: ${e.step === 0 ? 'before training' : `epoch ${e.epoch + 1}`}: holdout ${values.task === 'seg' ? 'mIoU' : 'accuracy'} ${Math.max(0, 100 * e.metric).toFixed(2)} % (best ${Math.max(0, 100 * e.best).toFixed(2)} %)\x1b[K\n`),
      });
      (stepBar as ReturnType<typeof createProgress> | null)?.finish();
      if (values.json) ctx.stdout.write(JSON.stringify(card, null, 1) + '\n');
      else {
        ctx.stdout.write(`Saved ${card.name} to ${values.out} (${card.parameters.toLocaleString('en')} parameters, ${card.training!.epochs} epochs, best at epoch ${card.training!.bestEpoch}, ${card.training!.elapsedSeconds.toFixed(1)} s).\n`);
        ctx.stdout.write(card.metrics ? formatMetricsTable([{ name: 'holdout', metrics: card.metrics }], card.classes) : 'No holdout: score it with `satdifuser eval`.\n');
      }
      return 0;
    } finally {
      store?.close();
    }
  },
};
