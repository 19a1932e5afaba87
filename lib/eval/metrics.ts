/**
 * Classification metrics of a binary task such as MRPC, computed as GLUE does: accuracy, and F1 of
 * the positive class (label 1, "equivalent"), the two numbers published DistilBERT MRPC results use.
 */
export interface ClassificationMetrics {
  /** Number of labelled rows counted. */
  count: number;
  accuracy: number;
  /** F1 of the positive class (label 1). */
  f1: number;
  precision: number;
  recall: number;
  /** `confusion[actual][predicted]`, for labels 0..numLabels-1. */
  confusion: number[][];
}

/** Predictions and labels could not be compared; the message says why. */
export class MetricsError extends Error {
  override name = "MetricsError";
}

/**
 * Accuracy, F1 (positive class 1), precision, recall and the confusion matrix. Rows whose label is
 * negative (GLUE's withheld test labels, -1) are skipped.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { classificationMetrics } from "./metrics.ts";
 * const m = classificationMetrics({ predictions: [1, 1, 0, 0], labels: [1, 0, 0, 1] });
 * assert.equal(m.accuracy, 0.5);
 * assert.equal(m.f1, 0.5);
 * assert.deepEqual(m.confusion, [[1, 1], [1, 1]]);
 * ```
 */
export function classificationMetrics(
  options: { predictions: ArrayLike<number>; labels: ArrayLike<number>; numLabels?: number },
): ClassificationMetrics {
  const { predictions, labels } = options;
  if (predictions.length !== labels.length) {
    throw new MetricsError(
      `${predictions.length} predictions but ${labels.length} labels: evaluate every row once.`,
    );
  }
  const numLabels = options.numLabels ?? 2;
  const confusion = Array.from({ length: numLabels }, () => new Array<number>(numLabels).fill(0));
  let count = 0;
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (label < 0) continue;
    const predicted = predictions[i];
    if (label >= numLabels || predicted < 0 || predicted >= numLabels) {
      throw new MetricsError(
        `row ${i}: label ${label} / prediction ${predicted} outside 0..${numLabels - 1}.`,
      );
    }
    confusion[label][predicted]++;
    count++;
  }
  const correct = confusion.reduce((sum, row, i) => sum + row[i], 0);
  const tp = confusion[1]?.[1] ?? 0;
  const fp = confusion.reduce((sum, row, i) => (i === 1 ? sum : sum + (row[1] ?? 0)), 0);
  const fn = (confusion[1] ?? []).reduce((sum, v, j) => (j === 1 ? sum : sum + v), 0);
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { count, accuracy: count === 0 ? 0 : correct / count, f1, precision, recall, confusion };
}

/** Index of the largest value of each row of a `[rows, cols]` row-major matrix. */
export function argmaxRows(values: ArrayLike<number>, cols: number): Int32Array {
  const rows = values.length / cols;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < cols; c++) {
      if (values[r * cols + c] > values[r * cols + best]) best = c;
    }
    out[r] = best;
  }
  return out;
}

/**
 * How closely a compressed model follows its FP32 reference: the share of rows where both predict
 * the same class, and the largest and mean absolute logit difference. With stand-in models whose
 * accuracy sits near the majority class, these say more than accuracy alone.
 */
export interface Agreement {
  /** Fraction of rows with the same predicted class. */
  agreement: number;
  maxAbsLogitError: number;
  meanAbsLogitError: number;
}

/**
 * Compares two `[rows, numLabels]` logit matrices.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { agreementWith } from "./metrics.ts";
 * const a = agreementWith({ logits: [0, 1, 1, 0], reference: [0, 2, 0, 1], numLabels: 2 });
 * assert.equal(a.agreement, 0.5);
 * assert.equal(a.maxAbsLogitError, 1);
 * ```
 */
export function agreementWith(
  options: { logits: ArrayLike<number>; reference: ArrayLike<number>; numLabels: number },
): Agreement {
  const { logits, reference, numLabels } = options;
  if (logits.length !== reference.length) {
    throw new MetricsError(
      `logits have ${logits.length} values but the reference has ${reference.length}: compare runs over the same rows.`,
    );
  }
  const a = argmaxRows(logits, numLabels);
  const b = argmaxRows(reference, numLabels);
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  let max = 0;
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    const d = Math.abs(logits[i] - reference[i]);
    sum += d;
    if (d > max) max = d;
  }
  return {
    agreement: a.length === 0 ? 1 : same / a.length,
    maxAbsLogitError: max,
    meanAbsLogitError: logits.length === 0 ? 0 : sum / logits.length,
  };
}
