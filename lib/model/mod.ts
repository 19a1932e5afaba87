/**
 * Models: `config.json`, checkpoint readers (safetensors, PyTorch zip and legacy pickles with an
 * allow-list), the DistilBERT ONNX exporter, random full-size models, and loading by hub id.
 *
 * @module
 */
export * from "./config.ts";
export * from "./weights.ts";
export * from "./safetensors.ts";
export * from "./torch/mod.ts";
export * from "./distilbert_graph.ts";
export * from "./random.ts";
export * from "./load.ts";
export * from "./outlier_twin.ts";
export * from "./anatomy.ts";
