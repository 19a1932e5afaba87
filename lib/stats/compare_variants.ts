import { bootstrapClassification, type MetricIntervals } from "./bootstrap.ts";
import {
  agreementMatrix,
  type FragileRow,
  fragileRows,
  marginShift,
  predictionFlips,
} from "./flips.ts";
import { intervalContains } from "./interval.ts";
import { mcnemarExact, type McNemarResult } from "./mcnemar.ts";

/** One variant's logits on the rows every variant was scored on. */
export interface VariantLogits {
  name: string;
  /** `[rows, numLabels]` logits in dataset order. */
  logits: ArrayLike<number>;
}

/** Options of {@link compareVariants}. */
export interface CompareVariantsOptions {
  /** Labels in dataset order (negative: withheld, left out of the statistics). */
  labels: ArrayLike<number>;
  numLabels: number;
  /** The FP32 model. */
  reference: VariantLogits;
  /** The compressed variants. */
  candidates: readonly VariantLogits[];
  /** Sentence pairs in dataset order, to show the fragile rows as text. */
  texts?: readonly { sentence1: string; sentence2: string }[];
  /** Seed of the bootstrap (default 0). */
  seed?: number;
  /** Bootstrap resamples (default 2000). */
  resamples?: number;
  /** Confidence level (default 0.95). */
  level?: number;
  /** Fragile rows to keep (default 10). */
  top?: number;
}

/** How one variant differs from the reference. */
export interface CandidateComparison {
  /** Exact McNemar test against the reference. */
  mcnemar: McNemarResult;
  /** Rows that flipped, in dataset order. */
  flipped: number[];
  fixed: number;
  broken: number;
  /** Margin shift per row (candidate − reference margin for the reference's class). */
  marginShift: number[];
  /** True when the accuracy delta's interval contains 0 (the difference is within noise). */
  withinNoise: boolean;
}

/** A fragile row with its text. */
export interface FragilePair extends FragileRow {
  label: number;
  sentence1?: string;
  sentence2?: string;
}

/** Everything {@link compareVariants} found; plain JSON, stored in `report.json`. */
export interface VariantComparison {
  reference: string;
  rows: number;
  level: number;
  seed: number;
  resamples: number;
  /** Per variant (the reference included): accuracy and F1 intervals, deltas for candidates. */
  intervals: Record<string, MetricIntervals>;
  /** Per candidate. */
  candidates: Record<string, CandidateComparison>;
  /** Prediction agreement of every pair of variants (reference first). */
  agreement: { names: string[]; matrix: number[][] };
  /** Rows nearest to flipping under any candidate, flipped ones first. */
  fragile: FragilePair[];
}

/**
 * The statistics behind a comparison of compressed variants with FP32 on the same labelled rows:
 * paired bootstrap intervals of accuracy and F1 and of their deltas, an exact McNemar test per
 * variant, the rows that flip, the agreement matrix, the logit-margin shifts and the most fragile
 * rows (with their sentences when `texts` is given).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compareVariants } from "./compare_variants.ts";
 * const c = compareVariants({
 *   labels: [0, 1, 1, 0], numLabels: 2, resamples: 100,
 *   reference: { name: "fp32", logits: [1, 0, 0, 1, 0, 2, 3, 0] },
 *   candidates: [{ name: "int8", logits: [1, 0, 0, 1, 0.5, 0, 3, 0] }],
 * });
 * assert.deepEqual(c.candidates.int8.flipped, [2]);
 * assert.equal(c.candidates.int8.broken, 1);
 * assert.equal(c.fragile[0].index, 2);
 * ```
 */
export function compareVariants(options: CompareVariantsOptions): VariantComparison {
  const { labels, numLabels, reference } = options;
  const level = options.level ?? 0.95;
  const seed = options.seed ?? 0;
  const resamples = options.resamples ?? 2000;
  const all = [reference, ...options.candidates];
  const predictions = Object.fromEntries(all.map((v) => [v.name, argmax(v.logits, numLabels)]));
  const intervals = bootstrapClassification({
    labels,
    predictions,
    reference: reference.name,
    seed,
    resamples,
    level,
  });
  const candidates = Object.fromEntries(options.candidates.map((v) => {
    const flips = predictionFlips({
      labels,
      reference: predictions[reference.name],
      candidate: predictions[v.name],
    });
    const shift = marginShift({ reference: reference.logits, candidate: v.logits, numLabels });
    const comparison: CandidateComparison = {
      mcnemar: mcnemarExact({
        labels,
        reference: predictions[reference.name],
        candidate: predictions[v.name],
      }),
      flipped: flips.flips.map((f) => f.index),
      fixed: flips.fixed,
      broken: flips.broken,
      marginShift: Array.from(shift.shift, (x) => Math.round(x * 1e5) / 1e5),
      withinNoise: intervalContains(intervals[v.name].accuracyDelta!, 0),
    };
    return [v.name, comparison];
  }));
  const fragile = fragileRows({
    reference: reference.logits,
    candidates: Object.fromEntries(options.candidates.map((v) => [v.name, v.logits])),
    numLabels,
    top: options.top,
  }).map((row) => ({
    ...row,
    label: labels[row.index],
    ...(options.texts?.[row.index]
      ? {
        sentence1: options.texts[row.index].sentence1,
        sentence2: options.texts[row.index].sentence2,
      }
      : {}),
  }));
  return {
    reference: reference.name,
    rows: labels.length,
    level,
    seed,
    resamples,
    intervals,
    candidates,
    agreement: agreementMatrix(predictions),
    fragile,
  };
}

function argmax(logits: ArrayLike<number>, numLabels: number): Int32Array {
  return Int32Array.from({ length: logits.length / numLabels }, (_, r) => {
    let best = 0;
    for (let j = 1; j < numLabels; j++) {
      if (logits[r * numLabels + j] > logits[r * numLabels + best]) best = j;
    }
    return best;
  });
}
