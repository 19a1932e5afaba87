import { ExerciseCheck } from "./exercise_check.ts";

/** Exercise 05.1: which ops stay FP32 in mixed precision. */
export const AMP_CATEGORIES_EXERCISE = "Keep the sensitive ops in FP32";

/** Ops whose results overflow or lose their meaning in FP16 (exp, sums of squares, means). */
export const FP32_SENSITIVE_OPS: readonly string[] = ["Softmax", "ReduceMean", "Pow", "Sqrt"];

/**
 * Checks a mixed-precision conversion's op rows (`report.opRows()` of `lib/mixed`): none of the
 * {@link FP32_SENSITIVE_OPS} may run in the lower type.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkAmpCategories } from "./amp_categories.ts";
 * const rows = [{ op: "MatMul", lower: 36 }, { op: "Softmax", lower: 6 }];
 * assert.equal(checkAmpCategories({ opRows: rows }).passed, false);
 * assert.equal(checkAmpCategories({ opRows: [{ op: "Softmax", lower: 0 }] }).passed, true);
 * ```
 */
export function checkAmpCategories(
  options: { opRows: readonly { op: string; lower: number }[] },
): ExerciseCheck {
  const lowered = options.opRows.filter((r) => FP32_SENSITIVE_OPS.includes(r.op) && r.lower > 0);
  return new ExerciseCheck(
    AMP_CATEGORIES_EXERCISE,
    lowered.length === 0,
    lowered.length === 0
      ? `${FP32_SENSITIVE_OPS.join(", ")} all run in FP32.`
      : `in the lower type: ${lowered.map((r) => `${r.op} ×${r.lower}`).join(", ")}.`,
    "Softmax exponentiates (FP16 overflows above 65504) and LayerNorm's ReduceMean/Pow/Sqrt sum " +
      "squares: leave them out of lowerPrecisionOps (or list them in fp32Ops).",
  );
}
