/**
 * "Why is it faster": ONNX Runtime's profiler per kernel for FP32 and a variant, grouped by
 * kernel and category (`MatMulIntegerToFloat`, `QGemm`, `DynamicQuantizeMatMul`,
 * Quantize/Dequantize, attention, …), a waterfall from FP32's milliseconds to the variant's, and
 * a sweep over sequence lengths and thread counts showing where INT8 pays. The ratios depend on
 * the CPU (`cpuFacts`: VNNI or not).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { kernelCategory } from "./mod.ts";
 * assert.equal(kernelCategory("QGemm"), "linear (INT8)");
 * ```
 *
 * @module
 */
export * from "./op_profile.ts";
export * from "./profile_model.ts";
export * from "./compare_profiles.ts";
export * from "./speed_sweep.ts";
export * from "./figures.ts";
export * from "./why_faster.ts";
export * from "./report_section.ts";
