// Scores a trained head on a labelled dataset (every labelled pixel or sample; nothing is held out): features
// from the cache or the head's own backbone, the head's inference graph, one global confusion matrix.
// Segmentation predicts tile by tile on a grid of the head's tile size without overlap (the scores therefore
// include tile-border effects that the segmentation job's blended overlaps would soften).
import { InvalidArgumentError, throwIfCancelled } from '../../shared/errors';
import { openRaster } from '../raster/open';
import type { FeatureCache } from '../store/featureCache';
import { checkCompatible } from './artifact/card';
import type { LoadedHead } from './artifact/io';
import type { Dataset } from './dataset/manifest';
import { type BackboneHandle, openBackbone } from './features/extractors';
import { fetchFeatures } from './features/fetch';
import { makePreparer } from './features/preparer';
import { HeadPredictor } from './infer/predictor';
import { isVectorLabels, rasterizeLabels, readLabelPolygons, classIdsOf } from './labels/vectorLabels';
import { argmaxChannels, ClassificationMetrics, classificationMetrics, ConfusionMatrix, IGNORE_INDEX, SegmentationMetrics, segmentationMetrics } from './metrics';

export interface EvalOptions {
  readonly cache: FeatureCache | null;
  readonly threads?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (done: number, total: number) => void;
  /** Write each raster's predicted class ids here (same order as the dataset); used by `compare`. */
  readonly onPrediction?: (raster: string, width: number, height: number, classIds: Uint8Array) => void;
}

export interface HeadEvaluation {
  readonly metrics: SegmentationMetrics | ClassificationMetrics;
  readonly confusion: ConfusionMatrix;
}

export async function openHeadBackbone(head: LoadedHead, o: { threads?: number }): Promise<BackboneHandle> {
  const source = head.card.backbone.source ?? head.card.backbone.id;
  const bb = await openBackbone(source, { tileSize: head.card.input.tileSize, threads: o.threads });
  checkCompatible(head.card, bb.ref);
  return bb;
}

export async function evaluateHead(head: LoadedHead, dataset: Dataset, o: EvalOptions, backbone?: BackboneHandle): Promise<HeadEvaluation> {
  const card = head.card;
  if (dataset.task !== card.spec.task) throw new InvalidArgumentError(`The head "${card.name}" ${card.spec.task === 'seg' ? 'segments' : 'classifies'}, but the dataset holds ${dataset.task === 'seg' ? 'segmentation labels' : 'class labels'}.`);
  const bb = backbone ?? (await openHeadBackbone(head, o));
  const predictor = await HeadPredictor.open(head, { threads: o.threads });
  const cm = new ConfusionMatrix(card.spec.numClasses);
  const tile = card.input.tileSize;
  try {
    const groups = new Map<string, { window?: { x: number; y: number; width: number; height: number }; classId?: number; labels?: string }[]>();
    if (dataset.task === 'seg') for (const s of dataset.samples) groups.set(s.raster, [...(groups.get(s.raster) ?? []), { labels: s.labels }]);
    else for (const s of dataset.samples) groups.set(s.raster, [...(groups.get(s.raster) ?? []), { window: s.window, classId: s.classId }]);
    let done = 0;
    const total = dataset.samples.length;
    for (const [path, entries] of groups) {
      throwIfCancelled(o.signal, 'Evaluation');
      const src = await openRaster(path, { signal: o.signal });
      try {
        const info = src.info;
        checkCompatible(card, bb.ref, { bandCount: info.bands, path });
        const preparer = await makePreparer(src, card.input.bands, o.signal);
        const ctx = { source: src, preparer, extractor: bb.extractor, cache: o.cache };
        if (dataset.task === 'cls') {
          const windows = entries.map((e) => e.window ?? { x: 0, y: 0, width: info.width, height: info.height });
          const fetched = await fetchFeatures(ctx, windows, { signal: o.signal });
          const logits = await predictor.classify(fetched.map((f) => f.features), o.signal);
          logits.forEach((row, k) => {
            let best = 0;
            for (let c = 1; c < row.length; c++) if (row[c]! > row[best]!) best = c;
            cm.add([entries[k]!.classId!], [best]);
          });
          done += entries.length;
          o.onProgress?.(done, total);
          continue;
        }
        for (const e of entries) {
          const labels = await labelsFor(e.labels!, info, head, o.signal);
          const predicted = new Uint8Array(info.width * info.height).fill(IGNORE_INDEX);
          const windows = [];
          for (let y = 0; y < info.height; y += tile) for (let x = 0; x < info.width; x += tile) windows.push({ x, y, width: tile, height: tile });
          for (let i = 0; i < windows.length; i += 4) {
            const chunk = windows.slice(i, i + 4);
            const fetched = await fetchFeatures(ctx, chunk, { signal: o.signal });
            const logits = await predictor.predict(fetched.map((f) => f.features), { width: tile, height: tile }, o.signal);
            chunk.forEach((w, k) => {
              const cls = argmaxChannels(logits[k]!, card.spec.numClasses, tile * tile);
              for (let r = 0; r < tile && w.y + r < info.height; r++) {
                for (let c = 0; c < tile && w.x + c < info.width; c++) predicted[(w.y + r) * info.width + w.x + c] = cls[r * tile + c]!;
              }
            });
          }
          cm.add(labels, predicted);
          o.onPrediction?.(path, info.width, info.height, predicted);
          o.onProgress?.(++done, total);
        }
      } finally {
        await src.close();
      }
    }
  } finally {
    await predictor.release();
    if (!backbone) await bb.release();
  }
  return { metrics: card.spec.task === 'seg' ? segmentationMetrics(cm) : classificationMetrics(cm), confusion: cm };
}

/** The labels of one raster on its grid; an empty path means "no labels" (compare on a bare raster). */
async function labelsFor(path: string, info: Parameters<typeof rasterizeLabels>[2], head: LoadedHead, signal?: AbortSignal): Promise<Uint8Array> {
  if (path === '') return new Uint8Array(info.width * info.height).fill(IGNORE_INDEX);
  if (isVectorLabels(path)) {
    const lp = readLabelPolygons(path);
    const { ids } = classIdsOf(lp.polygons.map((p) => p.value), head.card.classes);
    return rasterizeLabels(lp, ids, info).labels;
  }
  const src = await openRaster(path, { signal });
  try {
    if (src.info.width !== info.width || src.info.height !== info.height) {
      throw new InvalidArgumentError(`The label raster "${path}" is ${src.info.width}×${src.info.height} but the image is ${info.width}×${info.height}.`);
    }
    const block = await src.read({ window: { x: 0, y: 0, width: info.width, height: info.height }, bands: [0], signal });
    const out = new Uint8Array(info.width * info.height);
    const band = block.bands[0]!;
    for (let i = 0; i < out.length; i++) out[i] = block.valid[i] ? band[i]! : IGNORE_INDEX;
    return out;
  } finally {
    await src.close();
  }
}
