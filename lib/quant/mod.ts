/**
 * Post-training quantization.
 *
 * - Primitives: scale and zero-point computation (per tensor and per channel, symmetric or not,
 *   reduced range) following ONNX Runtime's quantization tool, and bit-exact TypeScript versions
 *   of ONNX `QuantizeLinear`, `DequantizeLinear`, `DynamicQuantizeLinear`, `MatMulInteger` and
 *   `QLinearMatMul`.
 * - Dynamic PTQ ({@link quantizeDynamic}) and static PTQ ({@link quantizeStatic}, QDQ or
 *   QOperator format) of ONNX models, with one quantizer per op type in a registry
 *   ({@link defaultQuantizers}) and a {@link QuantReport} of what was quantized and what stayed
 *   FP32 and why.
 * - Streaming calibration ({@link calibrate}): MinMax, Percentile and Entropy ranges from
 *   fixed-size histograms, memory flat in the number of batches.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { computeQuantParams, dequantizeLinear, quantizeLinear } from "./mod.ts";
 * const x = new Float32Array([-1, 0, 0.5, 3]);
 * const params = computeQuantParams({ min: -1, max: 3, type: "uint8" });
 * const q = quantizeLinear({ x, dims: [4], ...params });
 * assert.deepEqual([...q], [0, 64, 96, 255]);
 * const back = dequantizeLinear({ x: q, dims: [4], ...params });
 * assert.ok(back.every((v, i) => Math.abs(v - x[i]) <= params.scale[0] / 2));
 * ```
 *
 * @module
 */
export * from "./params.ts";
export * from "./qdq_ops.ts";
export * from "./integer_matmul.ts";
export * from "./options.ts";
export * from "./quant_report.ts";
export * from "./weight_quantization.ts";
export * from "./quantizer_registry.ts";
export * from "./quant_context.ts";
export { emitLinear, type LinearSpec } from "./emit_linear.ts";
export { matMulQuantizer } from "./op_matmul.ts";
export { gemmQuantizer } from "./op_gemm.ts";
export { gatherQuantizer } from "./op_gather.ts";
export * from "./builtin_quantizers.ts";
export * from "./quant_pass.ts";
export * from "./dynamic.ts";
export * from "./static.ts";
export * from "./histogram.ts";
export * from "./range_methods.ts";
export * from "./calibration_feeds.ts";
export * from "./calibrate.ts";
export * from "./figures.ts";
export * from "./bench.ts";
export * from "./ort_reference.ts";
export * from "./block_quant.ts";
export * from "./gptq.ts";
export * from "./op_matmul_nbits.ts";
export * from "./op_matmul_bnb4.ts";
export * from "./weight_only.ts";
export * from "./linear_inputs.ts";
export * from "./smooth_quant.ts";
export * from "./weight_only_figures.ts";
