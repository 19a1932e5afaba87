import { ExerciseCheck } from "./exercise_check.ts";
import { bootstrapClassification } from "../stats/mod.ts";
import { type AccuracyCriterion, criterionThreshold, describeCriterion } from "../tune/mod.ts";

/** Exercise 07.1: a criterion the evaluation set can resolve. */
export const CRITERION_RESOLUTION_EXERCISE = "An accuracy criterion the evaluation set can measure";

/** Options of {@link checkCriterionResolution}. */
export interface CriterionResolutionOptions {
  /** The tuner's accuracy criterion. */
  criterion: AccuracyCriterion;
  /** Labels of the evaluation pairs (rows with a negative label are left out). */
  labels: ArrayLike<number>;
  /** The FP32 model's predictions on those pairs, in the same order. */
  predictions: ArrayLike<number>;
  /** Seed of the bootstrap (default 0). */
  seed?: number;
}

/**
 * Checks that an accuracy criterion allows at least one evaluation pair to change. On `n` pairs
 * accuracy moves in steps of `1/n`: a criterion whose allowed loss is smaller demands that no
 * quantized model loses a single pair, and which pairs a configuration happens to flip is chance
 * — the FP32 model's own accuracy moves far more than that from one sample of `n` pairs to
 * another (reported with its 95% bootstrap interval), so the tuner passes or fails trials by luck.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkCriterionResolution } from "./criterion_resolution.ts";
 * const labels = Array.from({ length: 50 }, (_, i) => i % 2);
 * const predictions = labels.map((l, i) => (i % 5 === 0 ? 1 - l : l)); // accuracy 0.8
 * assert.equal(checkCriterionResolution({ criterion: { absolute: 0.001 }, labels, predictions }).passed, false);
 * assert.equal(checkCriterionResolution({ criterion: { absolute: 0.02 }, labels, predictions }).passed, true);
 * ```
 */
export function checkCriterionResolution(options: CriterionResolutionOptions): ExerciseCheck {
  const ci = bootstrapClassification({
    labels: options.labels,
    predictions: { fp32: options.predictions },
    seed: options.seed ?? 0,
    resamples: 1000,
  }).fp32.accuracy;
  let n = 0;
  for (let i = 0; i < options.labels.length; i++) if (options.labels[i] >= 0) n++;
  const baseline = ci.estimate;
  const allowed = baseline - criterionThreshold(baseline, options.criterion);
  const pairs = allowed * n;
  const spread = (ci.high - ci.low) / 2;
  return new ExerciseCheck(
    CRITERION_RESOLUTION_EXERCISE,
    pairs >= 1 - 1e-9,
    `${describeCriterion(options.criterion)} allows FP32's accuracy ${baseline.toFixed(4)} to ` +
      `fall by ${allowed.toFixed(4)}, ${pairs.toFixed(2)} of ${n} pairs (one pair is ` +
      `${(1 / n).toFixed(4)}). FP32's own accuracy on another ${n} pairs would be anywhere in ` +
      `[${ci.low.toFixed(3)}, ${ci.high.toFixed(3)}] (95% bootstrap, ±${spread.toFixed(3)}).`,
    `allow at least one pair: an absolute loss ≥ 1/${n} = ${(1 / n).toFixed(4)} (e.g. ` +
      "{ absolute: 0.02 }), or evaluate on more pairs; a criterion finer than one pair accepts " +
      "only trials that flip no pair, and which pairs flip is chance.",
  );
}
