/**
 * Evaluation of sequence classifiers: accuracy, F1, confusion matrix, agreement with a reference
 * model, and latency of an evaluation pass.
 *
 * @module
 */
export * from "./metrics.ts";
export * from "./evaluate_classifier.ts";
export * from "./evaluate_variant.ts";
export * from "./interleaved_latency.ts";
export * from "./demo_dataset.ts";
export * from "./figures.ts";
export * from "./intermediates.ts";
export * from "./attention_maps.ts";
