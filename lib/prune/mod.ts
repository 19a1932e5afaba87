/**
 * Pruning: unstructured and structured sparsity on the training engine — criteria (magnitude,
 * Taylor/SNIP, snip-momentum, group lasso, a random baseline), patterns (element-wise, N:M,
 * blocks, FFN neurons, attention heads), schedules (one-shot, cubic ramp), a training extension
 * that keeps masks through every update and saves them in the checkpoint, a pattern lock for any
 * later fine-tuning — and on ONNX models.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { criterionNames, patternNames } from "./mod.ts";
 * assert.ok(criterionNames().includes("snip-momentum"));
 * assert.ok(patternNames().includes("2:4"));
 * ```
 *
 * @module
 */
export * from "./mask.ts";
export * from "./errors.ts";
export * from "./layers.ts";
export * from "./select.ts";
export * from "./patterns/mod.ts";
export * from "./criteria/mod.ts";
export * from "./targets.ts";
export * from "./schedule.ts";
export * from "./mask_keeper.ts";
export * from "./extension.ts";
export * from "./prune_model.ts";
export * from "./onnx_masks.ts";
export * from "./structured.ts";
export * from "./sparsity.ts";
export * from "./bench.ts";
export * from "./profile.ts";
export * from "./workflow.ts";
export * from "./figures.ts";
export * from "./mask_step_bench.ts";
