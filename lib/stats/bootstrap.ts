import { Rng } from "../random/mod.ts";
import { type Interval, IntervalError, percentileInterval } from "./interval.ts";

/** Accuracy and F1 (positive class 1) intervals of one variant; deltas are paired with the reference. */
export interface MetricIntervals {
  accuracy: Interval;
  f1: Interval;
  /** This variant minus the reference, on the same resampled rows (absent for the reference). */
  accuracyDelta?: Interval;
  f1Delta?: Interval;
}

/** Options of {@link bootstrapClassification}. */
export interface BootstrapOptions {
  /** Labels in dataset order; rows with a negative label (withheld) are left out. */
  labels: ArrayLike<number>;
  /** Predictions of each variant, in the same order as `labels`. */
  predictions: Record<string, ArrayLike<number>>;
  /** The variant the deltas are taken against (e.g. `"fp32"`); no deltas without it. */
  reference?: string;
  /** Seed of the resampling (default 0): the same seed gives the same intervals. */
  seed?: number;
  /** Number of bootstrap resamples (default 2000). */
  resamples?: number;
  /** Confidence level (default 0.95). */
  level?: number;
}

/**
 * Seeded percentile-bootstrap intervals of accuracy and F1 for several classifiers scored on the
 * same rows. Every resample draws the rows once and scores all variants on them (paired
 * resampling), so the deltas to the reference are as narrow as the variants' disagreements
 * allow — a quantized model that flips 3 of 408 pairs has a delta interval of about ±0.7 points,
 * while each accuracy interval alone is about ±4.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bootstrapClassification } from "./bootstrap.ts";
 * const labels = [1, 0, 1, 1, 0, 1, 0, 1];
 * const ci = bootstrapClassification({
 *   labels, predictions: { fp32: labels, int8: labels }, reference: "fp32", resamples: 200,
 * });
 * assert.equal(ci.int8.accuracy.estimate, 1);
 * assert.deepEqual([ci.int8.accuracyDelta!.low, ci.int8.accuracyDelta!.high], [0, 0]);
 * ```
 */
export function bootstrapClassification(
  options: BootstrapOptions,
): Record<string, MetricIntervals> {
  const level = options.level ?? 0.95;
  const resamples = options.resamples ?? 2000;
  const names = Object.keys(options.predictions);
  if (options.reference !== undefined && !names.includes(options.reference)) {
    throw new IntervalError(
      `reference "${options.reference}" is not one of the variants (${names.join(", ")}).`,
    );
  }
  const rows: number[] = [];
  for (let i = 0; i < options.labels.length; i++) if (options.labels[i] >= 0) rows.push(i);
  const labels = Int32Array.from(rows, (i) => options.labels[i]);
  const preds = names.map((name) => {
    const p = options.predictions[name];
    if (p.length !== options.labels.length) {
      throw new IntervalError(
        `${name} has ${p.length} predictions for ${options.labels.length} labels: score every row.`,
      );
    }
    return Int32Array.from(rows, (i) => p[i]);
  });
  const n = rows.length;
  if (n === 0) throw new IntervalError("no labelled rows: intervals need labels ≥ 0.");
  const all = Int32Array.from({ length: n }, (_, i) => i);
  const point = preds.map((p) => scores(labels, p, all));
  const acc = names.map(() => new Float64Array(resamples));
  const f1 = names.map(() => new Float64Array(resamples));
  const rng = new Rng(options.seed ?? 0, 0x0b007);
  const draw = new Int32Array(n);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) draw[i] = rng.int(n);
    preds.forEach((p, v) => {
      const s = scores(labels, p, draw);
      acc[v][r] = s.accuracy;
      f1[v][r] = s.f1;
    });
  }
  const ref = options.reference === undefined ? -1 : names.indexOf(options.reference);
  const interval = (replicates: Float64Array, estimate: number) =>
    percentileInterval({ replicates, estimate, level });
  const delta = (a: Float64Array, b: Float64Array) => a.map((x, i) => x - b[i]);
  return Object.fromEntries(names.map((name, v) => {
    const out: MetricIntervals = {
      accuracy: interval(acc[v], point[v].accuracy),
      f1: interval(f1[v], point[v].f1),
    };
    if (ref >= 0 && v !== ref) {
      out.accuracyDelta = interval(
        delta(acc[v], acc[ref]),
        point[v].accuracy - point[ref].accuracy,
      );
      out.f1Delta = interval(delta(f1[v], f1[ref]), point[v].f1 - point[ref].f1);
    }
    return [name, out];
  }));
}

function scores(
  labels: Int32Array,
  predictions: Int32Array,
  rows: Int32Array,
): { accuracy: number; f1: number } {
  let correct = 0, tp = 0, fp = 0, fn = 0;
  for (let k = 0; k < rows.length; k++) {
    const label = labels[rows[k]];
    const p = predictions[rows[k]];
    if (p === label) correct++;
    if (p === 1 && label === 1) tp++;
    else if (p === 1) fp++;
    else if (label === 1) fn++;
  }
  const f1 = tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
  return { accuracy: correct / rows.length, f1 };
}
