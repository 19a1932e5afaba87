/**
 * Pruning: unstructured and structured sparsity on the training engine (criteria, patterns,
 * schedules, a training extension that keeps masks through every update) and on ONNX models.
 *
 * @module
 */
export * from "./mask.ts";
export * from "./onnx_masks.ts";
export * from "./structured.ts";
export * from "./sparsity.ts";
export * from "./bench.ts";
