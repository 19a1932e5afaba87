/**
 * The workshop kit for compressing transformer models: hub access, data, ONNX models,
 * evaluation and benchmarks, and the compression techniques built on them.
 *
 * Each folder is one area with its own `mod.ts`; import from here, or from a folder's `mod.ts`
 * for a smaller import. The training techniques — `./train/mod.ts` (the TensorFlow.js engine),
 * `./distill/mod.ts` and `./qat/mod.ts` — are imported from their folders: they bring
 * TensorFlow.js and its WebAssembly backend, which inference-only work does not need.
 *
 * @module
 */
export * from "./settings/mod.ts";
export * from "./fs/mod.ts";
export * from "./progress/mod.ts";
export * from "./hub/mod.ts";
export * from "./data/mod.ts";
export * from "./onnx/mod.ts";
export * from "./model/mod.ts";
export * from "./runtime/mod.ts";
export * from "./random/mod.ts";
export * from "./eval/mod.ts";
export * from "./bench/mod.ts";
export * from "./display/mod.ts";
export * from "./stats/mod.ts";
export * from "./formats/mod.ts";
export * from "./report/mod.ts";
export * from "./notebook/mod.ts";
export * from "./quant/mod.ts";
export * from "./fuse/mod.ts";
export * from "./tune/mod.ts";
export * from "./mixed/mod.ts";
export * from "./atlas/mod.ts";
export * from "./profile/mod.ts";
export * from "./workshop/mod.ts";
