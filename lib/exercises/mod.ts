/**
 * The workshop's "break it on purpose" exercises: each notebook has cells with a broken setting
 * and a checker cell that measures the result and says whether it is fixed, with a hint when
 * not. `WORKSHOP_SOLUTIONS=1` (`workshopSettings().solutions`) makes the notebooks use the fix.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkInt8Scale } from "./mod.ts";
 * assert.equal(checkInt8Scale({ weights: [1, -0.5], scale: 1 / 127 }).passed, true);
 * ```
 *
 * @module
 */
export * from "./exercise_check.ts";
export * from "./int8_scale.ts";
export * from "./fp8_choice.ts";
export * from "./calibration_size.ts";
export * from "./weight_granularity.ts";
export * from "./fusion_order.ts";
export * from "./amp_categories.ts";
export * from "./distillation_temperature.ts";
export * from "./qat_learning_rate.ts";
export * from "./fp16_speedup.ts";
export * from "./fp16_size.ts";
export * from "./weight_grid.ts";
export * from "./fake_quant_granularity.ts";
export * from "./fake_quant_reduce_range.ts";
export * from "./student_initialisation.ts";
export * from "./fusion_equivalence.ts";
export * from "./fusion_baseline.ts";
export * from "./student_size.ts";
export * from "./sparsity_speedup.ts";
export * from "./pruning_criterion.ts";
export * from "./criterion_resolution.ts";
export * from "./exhaustive_budget.ts";
export * from "./tuning_objective.ts";
export * from "./block_size.ts";
export * from "./smoothed_ranges.ts";
