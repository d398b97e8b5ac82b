// The JSON card of a trained head: everything needed to rebuild it (spec), to check it fits a raster and a
// backbone (backbone id + weights hash, bands, normalisation, tile size, GSD range) and to judge it (training data
// summary, holdout metrics). It is written as head.json beside weights.safetensors and also embedded in the
// safetensors metadata, so either file alone identifies the head.
import { InvalidArgumentError, SatError } from '../../../shared/errors';
import type { ClassDef } from '../dataset/manifest';
import type { HeadSpec } from '../spec';

export const CARD_FORMAT = 'satdifuser-head';
export const CARD_VERSION = 1;

export interface BackboneRef {
  readonly id: string;
  /** Hash of the backbone's weights; "none" for the pixels backbone. */
  readonly weightsHash: string;
  /** Extraction settings (timesteps, taps, latent mode): features from other settings are different features. */
  readonly settings?: unknown;
  /** How to open it again: "pixels", "default", "random-init:<seed>" or a model id / folder. */
  readonly source?: string;
}

export interface InputExpectations {
  /** 0-based source bands fed to the backbone, in order. */
  readonly bands: readonly number[];
  readonly bandNames?: readonly (string | null)[];
  readonly bandCount: number;
  /** How raster values were mapped to the backbone's input range (part of what the head learned on). */
  readonly normalization: unknown;
  readonly tileSize: number;
  /** Ground sample distance range of the training rasters in metres; null when they were not georeferenced. */
  readonly gsdMetres: readonly [number, number] | null;
}

export interface TrainingSummary {
  readonly rasters: readonly string[];
  readonly samples: number;
  readonly trainPixels: number;
  readonly holdoutPixels: number;
  readonly classPixels: readonly number[];
  readonly classWeights: readonly number[];
  readonly epochs: number;
  readonly bestEpoch: number;
  readonly steps: number;
  /** MoE: training steps taken, persisted so a resumed or fine-tuned head keeps its routing phase. */
  readonly moeSteps?: number;
  /** MoE: steps trained with dense routing, and the routing the saved weights were trained with. */
  readonly moeWarmupSteps?: number;
  readonly moeRouting?: 'dense' | 'topk';
  readonly batchSize: number;
  readonly schedule: Readonly<Record<string, number>>;
  readonly seed: number;
  readonly holdout: string;
  readonly elapsedSeconds: number;
}

export interface MetricsSummary {
  /** seg: mIoU; cls: accuracy. Fractions in [0, 1]. */
  readonly mIoU?: number;
  readonly overallAccuracy?: number;
  readonly accuracy?: number;
  readonly macroF1?: number;
  readonly perClass: readonly { readonly id: number; readonly iou: number | null; readonly f1: number | null; readonly precision: number | null; readonly recall: number | null; readonly support: number }[];
  readonly confusion: readonly (readonly number[])[];
  readonly scored: number;
}

export interface HeadCard {
  readonly format: typeof CARD_FORMAT;
  readonly formatVersion: number;
  readonly name: string;
  readonly createdAt: string;
  readonly spec: HeadSpec;
  readonly backbone: BackboneRef;
  readonly classes: readonly ClassDef[];
  readonly input: InputExpectations;
  readonly training: TrainingSummary | null;
  readonly metrics: MetricsSummary | null;
  readonly parameters: number;
  readonly weights: { readonly file: string; readonly sha256: string };
}

/** Checks the shape of a parsed card; a newer format version is refused with what to do. */
export function validateCard(json: unknown, where: string): HeadCard {
  const c = json as Partial<HeadCard> | null;
  if (!c || typeof c !== 'object' || c.format !== CARD_FORMAT) {
    throw new InvalidArgumentError(`"${where}" is not a SatDiFuser head card (no "format": "${CARD_FORMAT}").`, 'Pass the folder written by `satdifuser train --out`, its head.json, or its weights.safetensors.');
  }
  if (typeof c.formatVersion !== 'number' || c.formatVersion > CARD_VERSION) {
    throw new SatError('UNSUPPORTED_FORMAT', `The head "${where}" has card format version ${String(c.formatVersion)}; this version of SatDiFuser Studio reads up to ${CARD_VERSION}.`, {
      hint: 'Update SatDiFuser Studio to load this head.',
      details: { where, formatVersion: c.formatVersion },
    });
  }
  for (const k of ['name', 'spec', 'backbone', 'classes', 'input', 'weights'] as const) {
    if (c[k] === undefined || c[k] === null) throw new InvalidArgumentError(`The head card "${where}" has no "${k}".`, 'The card is damaged; export the head again.');
  }
  if (c.classes!.length !== c.spec!.numClasses) throw new InvalidArgumentError(`The head card "${where}" lists ${c.classes!.length} classes but its head predicts ${c.spec!.numClasses}.`);
  return c as HeadCard;
}

/**
 * Refuses a head that cannot be applied to features of `backbone` from a raster with `bandCount` bands: the
 * learned weights mean nothing on other features, and silently running it would paint a plausible-looking mask.
 */
export function checkCompatible(card: HeadCard, backbone: BackboneRef, raster?: { bandCount: number; path?: string }): void {
  if (card.backbone.id !== backbone.id || card.backbone.weightsHash !== backbone.weightsHash) {
    const same = card.backbone.id === backbone.id;
    throw new SatError('MODEL_MISMATCH', same
      ? `The head "${card.name}" was trained on a different version of the backbone "${backbone.id}" (weights ${short(card.backbone.weightsHash)}, loaded ${short(backbone.weightsHash)}).`
      : `The head "${card.name}" was trained on the backbone "${card.backbone.id}", not "${backbone.id}".`, {
      hint: same ? 'Retrain the head on this backbone (features are cached, so this is quick), or load the backbone version it was trained with.' : `Select the backbone "${card.backbone.id}" for this head, or train a head for "${backbone.id}".`,
      details: { expected: card.backbone, got: backbone },
    });
  }
  if (raster) {
    const need = Math.max(...card.input.bands) + 1;
    if (raster.bandCount < need) {
      throw new SatError('MODEL_MISMATCH', `The head "${card.name}" reads band${card.input.bands.length > 1 ? 's' : ''} ${card.input.bands.map((b) => b + 1).join(', ')}, but ${raster.path ? `"${raster.path}"` : 'the raster'} has ${raster.bandCount} band${raster.bandCount === 1 ? '' : 's'}.`, {
        hint: `Use a raster with the bands the head was trained on (${card.input.bandCount} bands, ${describeBands(card.input)}).`,
        details: { bands: card.input.bands, rasterBands: raster.bandCount },
      });
    }
  }
}

const short = (h: string) => (h.length > 12 ? h.slice(0, 12) + '…' : h);
const describeBands = (i: InputExpectations) => i.bands.map((b) => i.bandNames?.[b] ?? `band ${b + 1}`).join(', ');
