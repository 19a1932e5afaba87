/**
 * Post-training quantization. This part: the int8/uint8 primitives — scale and zero-point
 * computation (per tensor and per channel, symmetric or not, reduced range) following ONNX
 * Runtime's quantization tool, and bit-exact TypeScript versions of ONNX `QuantizeLinear`,
 * `DequantizeLinear`, `DynamicQuantizeLinear`, `MatMulInteger` and `QLinearMatMul`.
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
export * from "./quantize.ts";
export * from "./integer_matmul.ts";
