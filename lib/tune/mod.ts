/**
 * Accuracy-driven quantization tuning, Intel Neural Compressor's workflow on the kit's
 * post-training quantization: {@link tune} tries configurations — the default, recipe variants
 * (calibration method, per-channel, symmetric activations), FP32 fallback by block and by op
 * ordered by measured sensitivity (`basic`), seeded random draws (`random`), and `exhaustive`,
 * `bayesian`, `conservative`, `mse`, `mse_v2` and `hawq_v2` — until one keeps
 * accuracy within the criterion, and returns a {@link TuneResult} with the best model and the
 * whole history (a table in notebooks; {@link historyFigure} draws it).
 *
 * Open for extension, each one file plus one registration, from inside or outside `lib/`:
 * strategies ({@link registerStrategy}), sensitivity measures ({@link registerSensitivityMeasure})
 * and recipe dimensions ({@link registerRecipeDimension}). Underneath, {@link search} is the
 * accuracy-driven loop for any {@link SearchSpace} of model transforms (budget, criterion,
 * history, best); `tune` is that loop over the {@link QuantizationSpace}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { criterionThreshold, meetsCriterion } from "./mod.ts";
 * assert.equal(criterionThreshold(0.5, { relative: 0.1 }), 0.45);
 * assert.ok(meetsCriterion(0.45, 0.5, { relative: 0.1 }));
 * ```
 *
 * @module
 */
export * from "./errors.ts";
export * from "./registry.ts";
export * from "./criterion.ts";
export * from "./groups.ts";
export * from "./recipe_dimension.ts";
export * from "./recipe_calibration.ts";
export * from "./recipe_per_channel.ts";
export * from "./recipe_activation_symmetric.ts";
export * from "./recipes.ts";
export * from "./types.ts";
export * from "./latency.ts";
export * from "./search_space.ts";
export * from "./search_loop.ts";
export * from "./search.ts";
export * from "./sensitivity.ts";
export * from "./sensitivity_measure.ts";
export * from "./sensitivity_logit_mse.ts";
export * from "./sensitivity_accuracy_drop.ts";
export * from "./evaluator.ts";
export * from "./strategy.ts";
export * from "./quantization_space.ts";
export * from "./tune_context.ts";
export * from "./strategy_basic.ts";
export * from "./strategy_random.ts";
export * from "./candidates.ts";
export * from "./gaussian_process.ts";
export * from "./fallback_order.ts";
export * from "./op_output_error.ts";
export * from "./hessian_trace.ts";
export * from "./strategy_exhaustive.ts";
export * from "./strategy_bayesian.ts";
export * from "./strategy_conservative.ts";
export * from "./strategy_mse.ts";
export * from "./strategy_mse_v2.ts";
export * from "./strategy_hawq_v2.ts";
export * from "./strategy_ask_tell.ts";
export * from "./objective.ts";
export * from "./trial_cache.ts";
export * from "./result.ts";
export * from "./figures.ts";
export * from "./tune.ts";
