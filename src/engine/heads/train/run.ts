// `satdifuser train` as a function: labels → tiles and cached features → a trained head saved as an artefact
// (head.json + weights.safetensors) whose card says what it expects and how it scored on its holdout.
import { InvalidArgumentError } from '../../../shared/errors';
import type { RasterInfo } from '../../../shared/raster';
import type { FeatureCache } from '../../store/featureCache';
import { CARD_FORMAT, CARD_VERSION, type HeadCard, type MetricsSummary } from '../artifact/card';
import { saveHead } from '../artifact/io';
import { classesFor, type ClassDef, type Dataset } from '../dataset/manifest';
import { openBackbone } from '../features/extractors';
import { buildHeadGraph } from '../graph/build';
import type { ClassificationMetrics, SegmentationMetrics } from '../metrics';
import { type FusionName, type HeadSizeName, type HeadTaskName, makeSpec, type FeatureSelection } from '../spec';
import { prepareClsData } from './clsData';
import { RECIPES, withEpochs } from './schedule';
import { prepareSegData } from './segData';
import { trainHead, type TrainItem } from './trainHead';

export interface TrainRun {
  readonly task: HeadTaskName;
  readonly fusion: FusionName;
  readonly size: HeadSizeName;
  readonly backbone: string;
  readonly dataset: Dataset;
  readonly out: string;
  readonly name?: string;
  readonly bands?: readonly number[];
  readonly tileSize?: number;
  readonly epochs?: number;
  readonly seed?: number;
  readonly holdoutFraction?: number;
  readonly bufferPx?: number;
  readonly classField?: string;
  readonly selection?: FeatureSelection;
  /** Training crop in pixels, or 'auto' (default: 128 px for sparse labels). */
  readonly crop?: number | 'auto';
  readonly threads?: number;
  readonly cache: FeatureCache | null;
  /** Train on every labelled pixel (an evaluation dataset is kept separately). */
  readonly noHoldout?: boolean;
  readonly signal?: AbortSignal;
  readonly onStatus?: (message: string) => void;
  readonly onTiles?: (done: number, total: number, message: string) => void;
  readonly onStep?: (e: { epoch: number; step: number; totalSteps: number; loss: number; lr: number }) => void;
  readonly onEval?: (e: { epoch: number; step: number; metric: number; best: number; holdoutLoss?: number }) => void;
}

export function metricsSummary(m: SegmentationMetrics | ClassificationMetrics | null): MetricsSummary | null {
  if (!m) return null;
  const perClass = m.perClass.map((c, id) => ({ id, iou: c.iou, f1: c.f1, precision: c.precision, recall: c.recall, support: c.support }));
  if ('mIoU' in m) return { mIoU: m.mIoU, overallAccuracy: m.overallAccuracy, perClass, confusion: m.confusion, scored: m.scored };
  return { accuracy: m.accuracy, macroF1: m.macroF1, perClass, confusion: m.confusion, scored: m.scored };
}

/** Metres per pixel of a georeferenced raster in a metric CRS; null otherwise. */
function gsd(info: RasterInfo): number | null {
  if (!info.georeferenced || !info.crs || info.crs.units !== 'm') return null;
  return Math.abs(info.pixelSize[0]);
}

export async function trainFromDataset(r: TrainRun): Promise<HeadCard> {
  if (r.dataset.task !== r.task) {
    throw new InvalidArgumentError(`--task ${r.task} was given, but the dataset holds ${r.dataset.task === 'seg' ? 'segmentation labels' : 'image-level class labels'}.`, `Use --task ${r.dataset.task}.`);
  }
  const tileSize = r.tileSize ?? 256;
  const seed = r.seed ?? 0;
  r.onStatus?.(`opening the backbone "${r.backbone}"`);
  const backbone = await openBackbone(r.backbone, { tileSize, threads: r.threads, seed });
  try {
    let items: TrainItem[];
    let numClasses: number;
    let classPixels: readonly number[];
    let holdout: string;
    let rasters: { path: string; info: RasterInfo; normalization: unknown }[];
    let bands: readonly number[];
    let names = new Map<number, string>();
    if (r.dataset.task === 'seg') {
      r.onStatus?.('preparing labels and features');
      const d = await prepareSegData(r.dataset.samples, {
        backbone, cache: r.cache, bands: r.bands, classes: r.dataset.classes, classField: r.classField, holdoutFraction: r.holdoutFraction,
        bufferPx: r.bufferPx, seed, noHoldout: r.noHoldout, signal: r.signal, onProgress: r.onTiles,
      });
      items = d.tiles.map((t) => ({ features: t.features, train: t.train, holdout: t.holdout }));
      ({ numClasses, classPixels, holdout, bands } = d);
      rasters = [...d.rasters];
      names = new Map(d.classNames);
      r.onStatus?.(`${d.tiles.length} tiles (${d.cacheHits} from the cache), ${d.trainPixels} training and ${d.holdoutPixels} holdout pixels; ${d.holdout}`);
    } else {
      r.onStatus?.('preparing samples and features');
      const d = await prepareClsData(r.dataset.samples, { backbone, cache: r.cache, bands: r.bands, holdoutFraction: r.holdoutFraction, seed, noHoldout: r.noHoldout, signal: r.signal, onProgress: r.onTiles });
      items = [...d.items];
      ({ numClasses, classPixels, holdout, bands } = d);
      rasters = [...d.rasters];
      r.onStatus?.(`${d.items.length} samples (${d.cacheHits} from the cache); ${d.holdout}`);
    }
    const spec = makeSpec({ task: r.task, fusion: r.fusion, size: r.size, layout: backbone.layout, numClasses, selection: r.selection });
    const recipe = r.epochs ? withEpochs(RECIPES[r.size], r.epochs) : RECIPES[r.size];
    const trained = await trainHead({
      spec, items, recipe, classPixels, seed, threads: r.threads, signal: r.signal, onStatus: r.onStatus, crop: r.crop,
      onProgress: (e) => {
        if (e.kind === 'step') r.onStep?.(e);
        else if (e.kind === 'eval') r.onEval?.(e);
      },
    });
    const known: ClassDef[] = [...(r.dataset.classes ?? [])];
    for (const [id, name] of names) if (!known.some((c) => c.id === id)) known.push({ id, name, color: classesFor(id + 1, null)[id]!.color });
    const gsds = rasters.map((x) => gsd(x.info)).filter((g): g is number => g !== null);
    const first = rasters[0]!.info;
    const card: Omit<HeadCard, 'weights'> = {
      format: CARD_FORMAT, formatVersion: CARD_VERSION,
      name: r.name ?? `${r.task}-${r.fusion}-${r.size}-${backbone.ref.id}`,
      createdAt: new Date().toISOString(), spec, backbone: backbone.ref, classes: classesFor(numClasses, known),
      input: {
        bands, bandNames: first.bandNames, bandCount: first.bands, normalization: rasters.map((x) => x.normalization)[0],
        tileSize, gsdMetres: gsds.length === rasters.length && gsds.length > 0 ? [Math.min(...gsds), Math.max(...gsds)] : null,
      },
      training: {
        rasters: rasters.map((x) => x.path), samples: items.length,
        trainPixels: classPixels.reduce((a, b) => a + b, 0),
        holdoutPixels: trained.holdout?.scored ?? 0, classPixels, classWeights: Array.from(trained.classWeights),
        epochs: trained.epochs, bestEpoch: trained.bestEpoch, steps: trained.steps,
        ...(spec.fusion === 'moe' ? { moeSteps: trained.moeSteps, moeWarmupSteps: trained.moeWarmup, moeRouting: trained.routing === 'dense' ? 'dense' as const : 'topk' as const } : {}),
        batchSize: trained.batch, schedule: { ...recipe.lr, patience: recipe.patience, weightDecay: recipe.weightDecay }, seed, holdout,
        elapsedSeconds: trained.seconds,
      },
      metrics: metricsSummary(trained.holdout),
      parameters: [...trained.weights].filter(([k]) => !k.includes('running_')).reduce((n, [, v]) => n + v.length, 0),
    };
    const tensors = [...trained.weights].map(([name, data]) => ({ name, shape: shapeOf(spec, name, data.length), data }));
    return saveHead(r.out, card, tensors);
  } finally {
    await backbone.release();
  }
}

// The artefact stores shapes so a reader can check them without rebuilding the graph; they are recovered from a
// build of the same spec (cheap: no session).
const shapeCache = new WeakMap<object, Map<string, number[]>>();
function shapeOf(spec: ReturnType<typeof makeSpec>, name: string, n: number): number[] {
  let shapes = shapeCache.get(spec);
  if (!shapes) {
    const g = buildHeadGraph(spec, { mode: 'eval' }).graph;
    shapes = new Map([...g.params].map(([k, e]) => [k, e.value.shape as number[]]));
    shapeCache.set(spec, shapes);
  }
  const s = shapes.get(name);
  if (!s || s.reduce((a, b) => a * b, 1) !== n) return [n];
  return s;
}
