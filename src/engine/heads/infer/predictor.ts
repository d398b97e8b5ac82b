// A trained head ready to run: its inference graph (BatchNorm folded, symbolic batch) built from the artefact's
// weights, in one onnxruntime session. It implements the pipeline's SegmentationHead / ClassificationHead
// (src/engine/jobs/model.ts), so segmentation and classification jobs run trained heads directly.
import { InvalidArgumentError, SatError, throwIfCancelled } from '../../../shared/errors';
import type { ClassInfo } from '../../../shared/jobs';
import type { ClassificationHead, HeadExpectations, SegmentationHead } from '../../jobs/model';
import { serializeModel } from '../../nn/serialize';
import { type ProviderName, Session, Tensor } from '../../runtime';
import type { FeatureSet } from '../../store/featureCache';
import type { HeadCard } from '../artifact/card';
import type { LoadedHead } from '../artifact/io';
import { buildHeadGraph, LOGITS } from '../graph/build';
import type { MoeRouting } from '../graph/fusion';
import { featureName, fusedLayout } from '../spec';

export function classInfo(card: HeadCard): ClassInfo[] {
  return card.classes.map((c) => ({ id: c.id, name: c.name, color: [1, 3, 5].map((i) => parseInt(c.color.slice(i, i + 2), 16)) as unknown as readonly [number, number, number] }));
}

/** The routing the saved weights were trained with: top-k after the MoE warm-up, dense when the best weights came
 * from inside it. */
export function routingOf(card: HeadCard): MoeRouting {
  if (card.spec.fusion !== 'moe' || !card.training) return 'topk';
  return card.training.moeRouting ?? ((card.training.moeSteps ?? 0) >= (card.training.moeWarmupSteps ?? card.spec.moeWarmupSteps) ? 'topk' : 'dense');
}

export class HeadPredictor implements SegmentationHead, ClassificationHead {
  readonly id: string;
  readonly classes: readonly ClassInfo[];
  readonly expects: HeadExpectations;
  private readonly inputs: string[];

  private constructor(readonly card: HeadCard, private readonly session: Session) {
    this.id = card.name;
    this.classes = classInfo(card);
    this.expects = { bands: card.input.bandCount, bandNames: card.input.bandNames?.filter((b): b is string => !!b), gsdMetres: card.input.gsdMetres ?? undefined };
    const used = new Set(fusedLayout(card.spec).timesteps);
    this.inputs = card.spec.layout.timesteps.filter((t) => used.has(t)).flatMap((t) => card.spec.layout.scales.map((_, k) => featureName(t, k)));
  }

  static async open(head: LoadedHead, o: { threads?: number; providers?: readonly ProviderName[] } = {}): Promise<HeadPredictor> {
    const weights = new Map<string, Float32Array>([...head.tensors].map(([k, t]) => [k, t.data]));
    let graph;
    try {
      graph = buildHeadGraph(head.card.spec, { mode: 'infer', weights, routing: routingOf(head.card) }).graph;
    } catch (e) {
      if (e instanceof SatError) throw new SatError('CORRUPT_WEIGHTS', `The head "${head.card.name}" cannot be built from its weights: ${e.message}`, { hint: 'Export the head again.', cause: e });
      throw e;
    }
    const session = await Session.create(serializeModel(graph), { providers: [...(o.providers ?? ['cpu'])], intraOpThreads: o.threads, label: `the head "${head.card.name}"` });
    return new HeadPredictor(head.card, session);
  }

  /** Logits per tile: seg [C, tile, tile], cls [C]. */
  async logits(features: readonly FeatureSet[], signal?: AbortSignal): Promise<Float32Array[]> {
    throwIfCancelled(signal, 'Prediction');
    if (features.length === 0) return [];
    const feeds: Record<string, Tensor> = {};
    for (const name of this.inputs) {
      const first = features[0]!.find((t) => t.name === name);
      if (!first) throw new SatError('MODEL_MISMATCH', `The features have no tensor "${name}" that the head "${this.card.name}" needs.`, { hint: 'The features come from another backbone or extraction settings; use the backbone the head was trained on.' });
      const n = first.data.length;
      const data = new Float32Array(features.length * n);
      features.forEach((set, b) => {
        const t = set.find((x) => x.name === name);
        if (!t || t.data.length !== n) throw new InvalidArgumentError(`Tile ${b} has no "${name}" features of the expected size.`);
        data.set(t.data, b * n);
      });
      feeds[name] = Tensor.of('float32', data, [features.length, ...first.shape]);
    }
    const out = await this.session.run(feeds, { fetches: [LOGITS], signal });
    const all = out[LOGITS]!.toFloat32();
    const per = all.length / features.length;
    return features.map((_, b) => all.slice(b * per, (b + 1) * per));
  }

  async predict(features: readonly FeatureSet[], size: { readonly width: number; readonly height: number }, signal?: AbortSignal): Promise<Float32Array[]> {
    if (this.card.spec.task !== 'seg') throw new InvalidArgumentError(`The head "${this.card.name}" classifies; it does not segment.`);
    const t = this.card.spec.layout.tileSize;
    if (size.width !== t || size.height !== t) throw new InvalidArgumentError(`The head "${this.card.name}" predicts ${t}×${t} tiles, not ${size.width}×${size.height}.`, `Use tiles of ${t} px.`);
    return this.logits(features, signal);
  }

  async classify(features: readonly FeatureSet[], signal?: AbortSignal): Promise<Float32Array[]> {
    if (this.card.spec.task !== 'cls') throw new InvalidArgumentError(`The head "${this.card.name}" segments; it does not classify.`);
    return this.logits(features, signal);
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
