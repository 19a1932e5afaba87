import { ExerciseCheck } from "./exercise_check.ts";

/** Exercise 01.1: how many calibration pairs. */
export const CALIBRATION_SIZE_EXERCISE = "Calibrate on enough pairs";

/** A range an activation took. */
export interface ObservedRange {
  min: number;
  max: number;
}

/** Options of {@link checkCalibrationCoverage}. */
export interface CalibrationCoverageOptions {
  /** Ranges calibration picked, by activation (from `calibrate(...).ranges`). */
  calibrated: Record<string, ObservedRange>;
  /** Ranges the same activations take on held-out pairs (a min–max calibration on them). */
  observed: Record<string, ObservedRange>;
  /** Smallest share of the held-out range the calibrated ranges must cover (default 0.9). */
  threshold?: number;
}

/**
 * Checks that calibrated activation ranges cover the ranges seen on held-out data: for each
 * activation, the share of its held-out range `[min, max]` that the calibrated range covers; the
 * median over activations must reach `threshold`. A range from one example misses most of what
 * other inputs produce, and every value outside it is clipped at run time.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkCalibrationCoverage } from "./calibration_size.ts";
 * const observed = { a: { min: -4, max: 4 }, b: { min: 0, max: 10 } };
 * assert.equal(checkCalibrationCoverage({ calibrated: { a: { min: -1, max: 1 }, b: { min: 0, max: 3 } }, observed }).passed, false);
 * assert.equal(checkCalibrationCoverage({ calibrated: { a: { min: -3.8, max: 4 }, b: { min: 0, max: 9.5 } }, observed }).passed, true);
 * ```
 */
export function checkCalibrationCoverage(options: CalibrationCoverageOptions): ExerciseCheck {
  const threshold = options.threshold ?? 0.9;
  const shares = Object.entries(options.observed).flatMap(([name, seen]) => {
    const cal = options.calibrated[name];
    const width = seen.max - seen.min;
    if (!cal || !(width > 0)) return [];
    const covered = Math.max(0, Math.min(cal.max, seen.max) - Math.max(cal.min, seen.min));
    return [covered / width];
  }).sort((a, b) => a - b);
  const median = shares.length === 0 ? 0 : shares[Math.floor(shares.length / 2)];
  const under = shares.filter((s) => s < threshold).length;
  return new ExerciseCheck(
    CALIBRATION_SIZE_EXERCISE,
    median >= threshold,
    `calibrated ranges cover a median ${(100 * median).toFixed(1)}% of the held-out ranges ` +
      `(${under} of ${shares.length} activations below ${(100 * threshold).toFixed(0)}%).`,
    "one example shows only a sliver of what activations do: calibrate on a few hundred pairs " +
      "(the quick profile: at least 64).",
  );
}
