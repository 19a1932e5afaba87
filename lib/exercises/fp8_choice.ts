import { roundingStats } from "../formats/mod.ts";
import { ExerciseCheck } from "./exercise_check.ts";

/** Exercise 00.2: which FP8 format for weights. */
export const FP8_CHOICE_EXERCISE = "Pick the FP8 format for the weights";

/**
 * Checks an FP8 format choice for `values` (real weights): it must not overflow and must add no
 * more noise (RMS error relative to the values' RMS) than the other FP8 format.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkFp8Choice } from "./fp8_choice.ts";
 * const values = Float32Array.from({ length: 200 }, (_, i) => Math.sin(i) * 0.1);
 * assert.equal(checkFp8Choice({ values, format: "fp8-e5m2" }).passed, false);
 * assert.equal(checkFp8Choice({ values, format: "fp8-e4m3" }).passed, true);
 * ```
 */
export function checkFp8Choice(
  options: { values: ArrayLike<number>; format: "fp8-e4m3" | "fp8-e5m2" },
): ExerciseCheck {
  const other = options.format === "fp8-e4m3" ? "fp8-e5m2" : "fp8-e4m3";
  const mine = roundingStats(options.values, options.format);
  const theirs = roundingStats(options.values, other);
  const passed = mine.overflowed === 0 && mine.rmsRelativeError <= theirs.rmsRelativeError;
  const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
  return new ExerciseCheck(
    FP8_CHOICE_EXERCISE,
    passed,
    `${options.format}: RMS relative error ${pct(mine.rmsRelativeError)}, ` +
      `${mine.underflowed} underflow, ${mine.overflowed} overflow; ${other}: ` +
      `${
        pct(theirs.meanRelativeError)
      }, ${theirs.underflowed} underflow, ${theirs.overflowed} overflow.`,
    "weights are small and need mantissa bits more than range: compare the formats' layouts " +
      "(E4M3 has 3 mantissa bits, E5M2 only 2).",
  );
}
