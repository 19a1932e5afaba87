/**
 * Evaluation of sequence classifiers: accuracy, F1, confusion matrix, agreement with a reference
 * model, and latency of an evaluation pass.
 *
 * @module
 */
export * from "./metrics.ts";
export * from "./evaluate.ts";
export * from "./figures.ts";
