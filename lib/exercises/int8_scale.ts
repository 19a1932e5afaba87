import { ExerciseCheck } from "./exercise_check.ts";

/** Exercise 00.1: the symmetric INT8 scale of a weight row. */
export const INT8_SCALE_EXERCISE = "Choose the INT8 scale of a weight row";

/**
 * Checks a symmetric INT8 scale for `weights`: no weight may clip (`max|w| / scale ≤ 127.5`) and
 * no level may be wasted (`scale ≤ max|w| / 127`, within float32 rounding).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkInt8Scale } from "./int8_scale.ts";
 * const weights = new Float32Array([0.5, -1.27, 0.3]);
 * assert.equal(checkInt8Scale({ weights, scale: 1.27 / 255 }).passed, false);
 * assert.equal(checkInt8Scale({ weights, scale: 1.27 / 127 }).passed, true);
 * ```
 */
export function checkInt8Scale(
  options: { weights: ArrayLike<number>; scale: number },
): ExerciseCheck {
  let maxAbs = 0;
  for (let i = 0; i < options.weights.length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(options.weights[i]));
  }
  const { scale } = options;
  let clipped = 0;
  for (let i = 0; i < options.weights.length; i++) {
    if (Math.abs(options.weights[i]) / scale > 127.5) clipped++;
  }
  const ideal = maxAbs / 127;
  const levels = Math.round(maxAbs / scale);
  const passed = clipped === 0 && scale <= ideal * (1 + 2 ** -20);
  return new ExerciseCheck(
    INT8_SCALE_EXERCISE,
    passed,
    `max |w| = ${maxAbs.toPrecision(4)}, scale = ${scale.toPrecision(4)}: the largest weight ` +
      `maps to level ${levels} of 127; ${clipped} of ${options.weights.length} weights clip.`,
    clipped > 0
      ? "symmetric int8 has 127 levels on each side of 0, not 255: scale = max|w| / 127."
      : "the largest weight should land on level 127; a larger scale wastes levels: max|w| / 127.",
  );
}
