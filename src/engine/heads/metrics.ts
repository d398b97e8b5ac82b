// Scores for segmentation and classification heads, always computed from ONE global confusion matrix accumulated
// over the whole evaluation set (as the release does), never averaged per image or per tile.
//
// Deliberate differences from the release's utils/val_logger.py (docs/heads.md says more):
// - The release builds its matrix as bincount(pred·C + label), i.e. rows = prediction, then divides the diagonal by
//   the column sums for "precision" and by the row sums for "recall": its precision and recall are swapped. F1 and
//   IoU are symmetric, so they are unaffected. Here rows are the truth and precision/recall are the usual ones.
// - The release adds 1e-6 to every denominator, so a class absent from both truth and prediction scores IoU 0 and
//   drags mIoU down. Here such a class is undefined (null) and left out of the means, as mmseg's nanmean does.
// - For classification the release reports F1 of the macro-averaged precision and recall; macroF1 here is the mean
//   of the per-class F1 scores (sklearn's average="macro"). Both come out of the same matrix.
import { InvalidArgumentError } from '../../shared/errors';

/** Label value for pixels (or samples) that carry no class: skipped by the loss and by every score. */
export const IGNORE_INDEX = 255;

/** Counts of (true class, predicted class) pairs. Row = truth, column = prediction. */
export class ConfusionMatrix {
  readonly counts: Float64Array;

  constructor(readonly numClasses: number) {
    if (!Number.isInteger(numClasses) || numClasses < 1 || numClasses > 254) {
      throw new InvalidArgumentError(`A confusion matrix needs 1 to 254 classes, got ${numClasses}.`, 'Class ids are 0…254; 255 means "ignore".');
    }
    this.counts = new Float64Array(numClasses * numClasses);
  }

  /** Adds the pairs (truth[i], predicted[i]); pairs whose truth is the ignore index are skipped. */
  add(truth: ArrayLike<number>, predicted: ArrayLike<number>, ignoreIndex: number = IGNORE_INDEX): this {
    if (truth.length !== predicted.length) {
      throw new InvalidArgumentError(`Truth and prediction differ in length (${truth.length} vs ${predicted.length}).`, 'Compare a prediction with the labels of the same window.');
    }
    const n = this.numClasses;
    for (let i = 0; i < truth.length; i++) {
      const t = truth[i]!;
      if (t === ignoreIndex) continue;
      const p = predicted[i]!;
      if (!(t >= 0 && t < n && Number.isInteger(t))) {
        throw new InvalidArgumentError(`Label ${t} is not a class id (0…${n - 1}) nor the ignore value ${ignoreIndex}.`, 'Check the label raster: class ids must match the head\'s classes.');
      }
      if (!(p >= 0 && p < n && Number.isInteger(p))) throw new InvalidArgumentError(`Prediction ${p} is not a class id (0…${n - 1}).`);
      this.counts[t * n + p]! += 1;
    }
    return this;
  }

  merge(other: ConfusionMatrix): this {
    if (other.numClasses !== this.numClasses) throw new InvalidArgumentError(`Cannot merge a ${other.numClasses}-class matrix into a ${this.numClasses}-class one.`);
    for (let i = 0; i < this.counts.length; i++) this.counts[i]! += other.counts[i]!;
    return this;
  }

  get(truth: number, predicted: number): number {
    return this.counts[truth * this.numClasses + predicted]!;
  }

  get total(): number {
    let s = 0;
    for (const c of this.counts) s += c;
    return s;
  }

  /** Rows as plain arrays (truth-major), for JSON and cards. */
  toRows(): number[][] {
    const n = this.numClasses;
    return Array.from({ length: n }, (_, t) => Array.from(this.counts.subarray(t * n, (t + 1) * n)));
  }

  static fromRows(rows: readonly (readonly number[])[]): ConfusionMatrix {
    const cm = new ConfusionMatrix(rows.length);
    rows.forEach((row, t) => {
      if (row.length !== rows.length) throw new InvalidArgumentError('A confusion matrix must be square.');
      row.forEach((v, p) => { cm.counts[t * rows.length + p] = v; });
    });
    return cm;
  }
}

/** Scores of one class; null where the quantity is 0/0 (the class is absent from what it is measured on). */
export interface ClassScores {
  readonly iou: number | null;
  readonly f1: number | null;
  readonly precision: number | null;
  readonly recall: number | null;
  /** Samples (pixels) whose truth is this class. */
  readonly support: number;
  /** Samples predicted as this class. */
  readonly predicted: number;
}

export interface SegmentationMetrics {
  /** Mean IoU over the classes where IoU is defined (present in truth or prediction). Fractions in [0, 1]. */
  readonly mIoU: number;
  readonly meanF1: number;
  readonly meanPrecision: number;
  readonly meanRecall: number;
  /** Correct pixels ÷ scored pixels (the release calls it "mAcc"). */
  readonly overallAccuracy: number;
  readonly perClass: readonly ClassScores[];
  /** Truth-major rows. */
  readonly confusion: number[][];
  readonly scored: number;
}

export interface ClassificationMetrics {
  readonly accuracy: number;
  /** Mean of per-class F1 over the classes where F1 is defined. */
  readonly macroF1: number;
  readonly macroPrecision: number;
  readonly macroRecall: number;
  readonly perClass: readonly ClassScores[];
  readonly confusion: number[][];
  readonly scored: number;
}

export function classScores(cm: ConfusionMatrix): ClassScores[] {
  const n = cm.numClasses;
  const out: ClassScores[] = [];
  for (let c = 0; c < n; c++) {
    let support = 0;
    let predicted = 0;
    for (let k = 0; k < n; k++) {
      support += cm.get(c, k);
      predicted += cm.get(k, c);
    }
    const tp = cm.get(c, c);
    const fp = predicted - tp;
    const fn = support - tp;
    const defined = support + predicted > 0;
    out.push({
      iou: defined ? tp / (tp + fp + fn) : null,
      f1: defined ? (2 * tp) / (2 * tp + fp + fn) : null,
      precision: predicted > 0 ? tp / predicted : null,
      recall: support > 0 ? tp / support : null,
      support,
      predicted,
    });
  }
  return out;
}

/** Mean of the non-null values; NaN when there are none (nothing was scored). */
export function meanDefined(values: readonly (number | null)[]): number {
  let s = 0;
  let k = 0;
  for (const v of values) {
    if (v === null) continue;
    s += v;
    k++;
  }
  return k === 0 ? Number.NaN : s / k;
}

function accuracyOf(cm: ConfusionMatrix): number {
  let diag = 0;
  for (let c = 0; c < cm.numClasses; c++) diag += cm.get(c, c);
  const total = cm.total;
  return total === 0 ? Number.NaN : diag / total;
}

export function segmentationMetrics(cm: ConfusionMatrix): SegmentationMetrics {
  const perClass = classScores(cm);
  return {
    mIoU: meanDefined(perClass.map((c) => c.iou)),
    meanF1: meanDefined(perClass.map((c) => c.f1)),
    meanPrecision: meanDefined(perClass.map((c) => c.precision)),
    meanRecall: meanDefined(perClass.map((c) => c.recall)),
    overallAccuracy: accuracyOf(cm),
    perClass,
    confusion: cm.toRows(),
    scored: cm.total,
  };
}

export function classificationMetrics(cm: ConfusionMatrix): ClassificationMetrics {
  const perClass = classScores(cm);
  return {
    accuracy: accuracyOf(cm),
    macroF1: meanDefined(perClass.map((c) => c.f1)),
    macroPrecision: meanDefined(perClass.map((c) => c.precision)),
    macroRecall: meanDefined(perClass.map((c) => c.recall)),
    perClass,
    confusion: cm.toRows(),
    scored: cm.total,
  };
}

/** Index of the largest logit per pixel for logits laid out [C, H·W] (one image, channel-major as NCHW). */
export function argmaxChannels(logits: ArrayLike<number>, numClasses: number, pixels: number, out = new Uint8Array(pixels)): Uint8Array {
  if (logits.length < numClasses * pixels) throw new InvalidArgumentError(`Logits hold ${logits.length} values, fewer than ${numClasses}×${pixels}.`);
  for (let i = 0; i < pixels; i++) {
    let best = 0;
    let bestV = logits[i]!;
    for (let c = 1; c < numClasses; c++) {
      const v = logits[c * pixels + i]!;
      if (v > bestV) { bestV = v; best = c; }
    }
    out[i] = best;
  }
  return out;
}
