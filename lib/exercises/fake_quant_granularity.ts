import { ExerciseCheck } from "./exercise_check.ts";
import { compareWeightGrids, type CompareWeightGridsOptions } from "./weight_grid.ts";

/** Exercise 06.2: fake quantization with the export's weight granularity. */
export const FAKE_QUANT_GRANULARITY_EXERCISE =
  "Simulate the scales the export writes: per channel, not per tensor";

/**
 * Checks that training simulated a weight on exactly the grid the exported model uses: the
 * export writes one scale per output channel, so fake quantization with one scale for the whole
 * tensor trains the weights for a model that is never deployed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkFakeQuantGranularity } from "./fake_quant_granularity.ts";
 * const exported = [0.5, 0.01, 1, 0.02]; // [2, 2]: column 1 has its own, finer scale
 * const perTensor = [0.5, 0, 1, 0];
 * assert.equal(checkFakeQuantGranularity({ simulated: perTensor, exported, dims: [2, 2] }).passed, false);
 * assert.equal(checkFakeQuantGranularity({ simulated: exported, exported, dims: [2, 2] }).passed, true);
 * ```
 */
export function checkFakeQuantGranularity(options: CompareWeightGridsOptions): ExerciseCheck {
  const c = compareWeightGrids(options);
  return new ExerciseCheck(
    FAKE_QUANT_GRANULARITY_EXERCISE,
    c.mismatched === 0,
    `${c.mismatched} of ${c.weights} weights (${(100 * c.mismatched / c.weights).toFixed(1)}%) ` +
      `are on another value in training than in the exported model; the worst by ` +
      `${(100 * c.worstRelative).toFixed(2)}% of the largest weight.`,
    "the export quantizes each output channel with its own scale (perChannel: true): fake " +
      "quantization must compute the same scales (computeQuantParamsPerChannel on the output " +
      "axis), or training adapts the weights to rounding the deployed model never does.",
  );
}
