import { ExerciseCheck } from "./exercise_check.ts";
import type { SmoothedGroup } from "../quant/mod.ts";

/** Exercise 08.2: calibrate the model that is quantized. */
export const SMOOTHED_RANGES_EXERCISE = "Calibrate the smoothed model, not the one before";

/** Options of {@link checkSmoothedRanges}. */
export interface SmoothedRangesOptions {
  /** The groups `smoothQuant` smoothed (their inputs' max|X| before and after). */
  groups: readonly SmoothedGroup[];
  /** The activation ranges given to `quantizeStatic` (`calibrate(...).ranges`). */
  ranges: Readonly<Record<string, { min: number; max: number }>>;
  /** Largest allowed range / smoothed max|X| of a group's input (default 2). */
  threshold?: number;
}

/**
 * Checks that the activation ranges used to quantize a smoothed model belong to it: for every
 * smoothed input, the calibrated range's max |value| against the input's max|X| after
 * smoothing. Ranges calibrated before smoothing still span the outliers SmoothQuant divided
 * away, so INT8 spends its 255 levels on values the smoothed model never produces.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkSmoothedRanges } from "./smoothed_ranges.ts";
 * const groups = [{ linears: ["fc"], input: "x", alpha: 0.5, folded: "layer-norm" as const,
 *   inputAbsMax: { before: 60, after: 3 }, scales: Float32Array.from([20, 1]) }];
 * assert.equal(checkSmoothedRanges({ groups, ranges: { x: { min: -60, max: 12 } } }).passed, false);
 * assert.equal(checkSmoothedRanges({ groups, ranges: { x: { min: -3, max: 2.5 } } }).passed, true);
 * ```
 */
export function checkSmoothedRanges(options: SmoothedRangesOptions): ExerciseCheck {
  const threshold = options.threshold ?? 2;
  const ratios = options.groups.flatMap((g) => {
    const range = options.ranges[g.input];
    if (!range || !(g.inputAbsMax.after > 0)) return [];
    const absMax = Math.max(Math.abs(range.min), Math.abs(range.max));
    return [{ group: g, absMax, ratio: absMax / g.inputAbsMax.after }];
  }).sort((a, b) => b.ratio - a.ratio);
  const worst = ratios[0];
  const passed = ratios.length === options.groups.length && ratios.length > 0 &&
    worst.ratio <= threshold;
  const measured = worst === undefined
    ? "no smoothed input has a calibrated range."
    : `${ratios.length} of ${options.groups.length} smoothed inputs have a range; the widest, ` +
      `${worst.group.linears.join(", ")}'s input, spans ±${worst.absMax.toFixed(2)} where the ` +
      `smoothed activations reach ${worst.group.inputAbsMax.after.toFixed(2)} ` +
      `(${worst.ratio.toFixed(1)}×; before smoothing ${
        worst.group.inputAbsMax.before.toFixed(2)
      }).`;
  return new ExerciseCheck(
    SMOOTHED_RANGES_EXERCISE,
    passed,
    measured,
    "smoothing changes the activations, so their ranges must be measured again: calibrate " +
      "smoothed.model (the model you quantize), not the twin before smoothing.",
  );
}
