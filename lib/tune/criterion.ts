/**
 * The accuracy criterion of the tuner: how much accuracy a quantized model may lose against
 * FP32, relative (default 1%) or absolute, as Intel Neural Compressor's `accuracy_criterion`.
 *
 * @module
 */

import { TuneOptionsError } from "./errors.ts";

/**
 * Allowed loss: `{ relative: 0.01 }` keeps accuracy ≥ 99% of FP32's; `{ absolute: 0.005 }`
 * keeps it ≥ FP32 − 0.005. A negative value demands a gain.
 */
export type AccuracyCriterion = ({ relative: number } | { absolute: number }) & {
  /**
   * What must meet the threshold: `"estimate"` (default) the measured accuracy; `"lowerBound"`
   * the lower bound of its 95% interval, FP32's accuracy plus the lower bound of the paired
   * bootstrap delta (metric `accuracyLower` of `classifierEvaluator`), so a trial is accepted only
   * when its loss is within the criterion beyond noise.
   */
  use?: "estimate" | "lowerBound";
};

/** The default criterion: at most 1% relative loss. */
export const DEFAULT_CRITERION: AccuracyCriterion = { relative: 0.01 };

/** Slack for floating-point noise when comparing an accuracy with its threshold. */
const EPSILON = 1e-9;

/**
 * The lowest accuracy that meets `criterion` against an FP32 baseline.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { criterionThreshold } from "./criterion.ts";
 * assert.equal(criterionThreshold(0.8, { relative: 0.01 }), 0.792);
 * assert.equal(criterionThreshold(0.8, { absolute: 0.05 }), 0.75);
 * ```
 */
export function criterionThreshold(baseline: number, criterion: AccuracyCriterion): number {
  checkCriterion(criterion);
  return "relative" in criterion
    ? baseline * (1 - criterion.relative)
    : baseline - criterion.absolute;
}

/**
 * Whether `accuracy` meets `criterion` against `baseline` (with a 1e-9 slack for rounding).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { meetsCriterion } from "./criterion.ts";
 * assert.ok(meetsCriterion(0.99, 1, { relative: 0.01 }));
 * assert.ok(!meetsCriterion(0.989, 1, { relative: 0.01 }));
 * assert.ok(!meetsCriterion(1, 1, { relative: -0.5 }), "a 50% gain is required");
 * ```
 */
export function meetsCriterion(
  accuracy: number,
  baseline: number,
  criterion: AccuracyCriterion,
): boolean {
  return accuracy >= criterionThreshold(baseline, criterion) - EPSILON;
}

/**
 * The accuracy `criterion` judges: `metrics.accuracy`, or with `use: "lowerBound"` the metric
 * `accuracyLower` (a {@link TuneOptionsError} if the evaluation function does not return it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { criterionAccuracy } from "./criterion.ts";
 * const metrics = { accuracy: 0.8, accuracyLower: 0.78 };
 * assert.equal(criterionAccuracy(metrics, { relative: 0.01 }), 0.8);
 * assert.equal(criterionAccuracy(metrics, { relative: 0.01, use: "lowerBound" }), 0.78);
 * ```
 */
export function criterionAccuracy(
  metrics: { accuracy: number; accuracyLower?: number },
  criterion: AccuracyCriterion,
): number {
  if (criterion.use !== "lowerBound") return metrics.accuracy;
  if (typeof metrics.accuracyLower !== "number") {
    throw new TuneOptionsError(
      `criterion ${JSON.stringify(criterion)} judges the accuracy's lower bound, but the ` +
        `evaluation function returned no accuracyLower: use classifierEvaluator, or return it.`,
    );
  }
  return metrics.accuracyLower;
}

/**
 * The criterion in words, e.g. `"≤ 1% relative loss"`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeCriterion } from "./criterion.ts";
 * assert.equal(describeCriterion({ relative: 0.01 }), "≤ 1% relative loss");
 * assert.equal(describeCriterion({ absolute: 0.005 }), "≤ 0.005 absolute loss");
 * assert.equal(describeCriterion({ relative: -0.5 }), "≥ 50% relative gain");
 * ```
 */
export function describeCriterion(criterion: AccuracyCriterion): string {
  checkCriterion(criterion);
  const [kind, value] = "relative" in criterion
    ? ["relative", criterion.relative]
    : ["absolute", criterion.absolute];
  const amount = kind === "relative"
    ? `${+(Math.abs(value) * 100).toPrecision(6)}%`
    : `${Math.abs(value)}`;
  const bound = criterion.use === "lowerBound" ? " (interval's lower bound)" : "";
  return (value >= 0 ? `≤ ${amount} ${kind} loss` : `≥ ${amount} ${kind} gain`) + bound;
}

/** Throws a {@link TuneOptionsError} unless `criterion` has one finite `relative` or `absolute`. */
export function checkCriterion(criterion: AccuracyCriterion): void {
  const c = criterion as { relative?: unknown; absolute?: unknown };
  const keys = ["relative", "absolute"].filter((k) => k in (c ?? {}));
  const value = keys.length === 1 ? c[keys[0] as "relative" | "absolute"] : undefined;
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new TuneOptionsError(
      `criterion ${JSON.stringify(criterion)} is not valid: give exactly one finite number, ` +
        `e.g. { relative: 0.01 } (1% loss) or { absolute: 0.005 }.`,
    );
  }
}
