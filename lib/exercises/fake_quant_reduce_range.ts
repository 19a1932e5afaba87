import { ExerciseCheck } from "./exercise_check.ts";
import { compareWeightGrids, type CompareWeightGridsOptions } from "./weight_grid.ts";

/** Exercise 06.3: fake quantization with the export's weight range. */
export const FAKE_QUANT_REDUCE_RANGE_EXERCISE =
  "Simulate the export's reduce_range: 7-bit weights where the CPU needs them";

/**
 * Checks that training simulated a weight with as many levels as the exported model has: on
 * CPUs without VNNI the export writes 7-bit weights (`reduce_range`, ±64), so fake quantization
 * with the full ±127 trains for twice the precision the deployed model keeps.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkFakeQuantReduceRange } from "./fake_quant_reduce_range.ts";
 * const exported = [0, 0.5, 1, -1]; // [4, 1]: steps of 0.5
 * const finer = [0.25, 0.5, 1, -1];
 * assert.equal(checkFakeQuantReduceRange({ simulated: finer, exported, dims: [4, 1] }).passed, false);
 * assert.equal(checkFakeQuantReduceRange({ simulated: exported, exported, dims: [4, 1] }).passed, true);
 * ```
 */
export function checkFakeQuantReduceRange(options: CompareWeightGridsOptions): ExerciseCheck {
  const c = compareWeightGrids(options);
  return new ExerciseCheck(
    FAKE_QUANT_REDUCE_RANGE_EXERCISE,
    c.mismatched === 0,
    `training used up to ${c.levels.simulated} levels per output channel, the exported model ` +
      `${c.levels.exported}; ${c.mismatched} of ${c.weights} weights ` +
      `(${(100 * c.mismatched / c.weights).toFixed(1)}%) differ.`,
    "the export uses reduceRange (7-bit weights) where ORT's u8×s8 kernel would saturate (CPUs " +
      "without VNNI, defaultReduceRange): simulate the same range in training — the QAT scheme's " +
      "reduceRange must be the export's.",
  );
}
