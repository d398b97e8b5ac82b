import { describe, expect, it } from 'vitest';
import { ConfusionMatrix, argmaxChannels, classificationMetrics, segmentationMetrics } from '../../../src/engine/heads/metrics';
import { SatError } from '../../../src/shared/errors';

// Hand-computed example (rows = truth):
//   truth 0: predicted 0,0,1      → row [2,1,0]
//   truth 1: predicted 1,2        → row [0,1,1]
//   truth 2: predicted 2,2,0,2    → row [1,0,3]
//   one ignored pixel (255) predicted as 1 → not counted
const truth = [0, 0, 0, 1, 1, 2, 2, 2, 2, 255];
const pred = [0, 0, 1, 1, 2, 2, 2, 0, 2, 1];

describe('ConfusionMatrix', () => {
  it('counts pairs truth-major and skips the ignore index', () => {
    const cm = new ConfusionMatrix(3).add(truth, pred);
    expect(cm.toRows()).toEqual([[2, 1, 0], [0, 1, 1], [1, 0, 3]]);
    expect(cm.total).toBe(9);
  });

  it('merges matrices of the same size', () => {
    const a = new ConfusionMatrix(3).add(truth.slice(0, 5), pred.slice(0, 5));
    const b = new ConfusionMatrix(3).add(truth.slice(5), pred.slice(5));
    expect(a.merge(b).toRows()).toEqual([[2, 1, 0], [0, 1, 1], [1, 0, 3]]);
    expect(() => a.merge(new ConfusionMatrix(4))).toThrow(SatError);
  });

  it('rejects labels that are not class ids with a typed error', () => {
    expect(() => new ConfusionMatrix(3).add([3], [0])).toThrow(/Label 3 is not a class id/);
    expect(() => new ConfusionMatrix(3).add([0], [7])).toThrow(SatError);
    expect(() => new ConfusionMatrix(3).add([0, 1], [0])).toThrow(SatError);
    expect(() => new ConfusionMatrix(0)).toThrow(SatError);
  });
});

describe('segmentationMetrics', () => {
  it('matches the hand-computed scores', () => {
    const m = segmentationMetrics(new ConfusionMatrix(3).add(truth, pred));
    // class 0: tp 2, fp 1, fn 1; class 1: tp 1, fp 1, fn 1; class 2: tp 3, fp 1, fn 1
    expect(m.perClass[0]!.iou).toBeCloseTo(2 / 4, 12);
    expect(m.perClass[1]!.iou).toBeCloseTo(1 / 3, 12);
    expect(m.perClass[2]!.iou).toBeCloseTo(3 / 5, 12);
    expect(m.perClass[0]!.f1).toBeCloseTo(4 / 6, 12);
    expect(m.perClass[1]!.f1).toBeCloseTo(2 / 4, 12);
    expect(m.perClass[2]!.f1).toBeCloseTo(6 / 8, 12);
    expect(m.perClass[2]!.precision).toBeCloseTo(3 / 4, 12);
    expect(m.perClass[2]!.recall).toBeCloseTo(3 / 4, 12);
    expect(m.perClass.map((c) => c.support)).toEqual([3, 2, 4]);
    expect(m.mIoU).toBeCloseTo((1 / 2 + 1 / 3 + 3 / 5) / 3, 12);
    expect(m.overallAccuracy).toBeCloseTo(6 / 9, 12);
    expect(m.scored).toBe(9);
  });

  it('tells precision from recall (the release swaps them)', () => {
    // truth: 0,0,0,0 ; predicted: 0,1,1,1 → class 0 precision 1, recall 1/4; class 1 precision 0, recall undefined
    const m = segmentationMetrics(new ConfusionMatrix(2).add([0, 0, 0, 0], [0, 1, 1, 1]));
    expect(m.perClass[0]!.precision).toBe(1);
    expect(m.perClass[0]!.recall).toBe(0.25);
    expect(m.perClass[1]!.precision).toBe(0);
    expect(m.perClass[1]!.recall).toBeNull();
    // a class predicted but never true scores IoU 0 and counts in the mean
    expect(m.perClass[1]!.iou).toBe(0);
    expect(m.mIoU).toBeCloseTo((1 / 4 + 0) / 2, 12);
  });

  it('leaves a class absent from truth and prediction out of the means', () => {
    const m = segmentationMetrics(new ConfusionMatrix(4).add(truth, pred));
    expect(m.perClass[3]).toEqual({ iou: null, f1: null, precision: null, recall: null, support: 0, predicted: 0 });
    expect(m.mIoU).toBeCloseTo((1 / 2 + 1 / 3 + 3 / 5) / 3, 12);
  });

  it('is NaN, not a number that looks real, when nothing was scored', () => {
    const m = segmentationMetrics(new ConfusionMatrix(2).add([255, 255], [0, 1]));
    expect(m.mIoU).toBeNaN();
    expect(m.overallAccuracy).toBeNaN();
  });
});

describe('classificationMetrics', () => {
  it('computes accuracy and macro-F1 as the mean of per-class F1', () => {
    const m = classificationMetrics(new ConfusionMatrix(3).add(truth, pred));
    expect(m.accuracy).toBeCloseTo(6 / 9, 12);
    expect(m.macroF1).toBeCloseTo((4 / 6 + 2 / 4 + 6 / 8) / 3, 12);
    expect(m.macroPrecision).toBeCloseTo((2 / 3 + 1 / 2 + 3 / 4) / 3, 12);
  });
});

describe('argmaxChannels', () => {
  it('picks the largest logit per pixel in a [C, H·W] layout, first index on ties', () => {
    // 2 classes × 3 pixels
    const logits = new Float32Array([0.1, 5, 2, 0.2, -1, 2]);
    expect(Array.from(argmaxChannels(logits, 2, 3))).toEqual([1, 0, 0]);
  });
});
