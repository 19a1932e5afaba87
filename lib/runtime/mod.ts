/**
 * Running models in ONNX Runtime (onnxruntime-node, CPU): sessions and input feeds.
 *
 * @module
 */
export * from "./session.ts";
export * from "./feeds.ts";
export * from "./cpu_features.ts";
