/**
 * Dynamic post-training quantization: weights quantized ahead of time, activations at run time.
 *
 * @module
 */

import type { Model } from "../onnx/mod.ts";
import { type DynamicQuantOptions, resolveQuantOptions } from "./options.ts";
import { quantizeModel, type QuantizeResult } from "./quant_pass.ts";

/**
 * Quantizes `model` dynamically and returns the new model (the input is not changed) with a
 * report of what was quantized and what stayed FP32. Linear layers (MatMul/Gemm with constant
 * weights) become `DynamicQuantizeLinear` (one per activation, shared by its consumers) +
 * `MatMulInteger` + `Cast` + `Mul` (+ bias `Add`): standard ONNX, which ONNX Runtime fuses into
 * its `MatMulIntegerToFloat` / `DynamicQuantizeMatMul` kernels; embedding tables become int8
 * `Gather` + `DequantizeLinear`. No calibration data is needed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createModel, DataType, GraphBuilder } from "../onnx/mod.ts";
 * import { quantizeDynamic } from "./dynamic.ts";
 * const b = new GraphBuilder("linear");
 * const x = b.input("x", DataType.FLOAT, ["n", 4]);
 * const w = b.initializer("w", DataType.FLOAT, [4, 3], Array.from({ length: 12 }, (_, i) => i / 10 - 0.5));
 * b.output(b.op("MatMul", [x, w]), DataType.FLOAT, ["n", 3], { rename: "y" });
 * const { model, report } = quantizeDynamic(createModel(b.build()));
 * assert.deepEqual(report.counts, { quantized: 1, fp32: 0 });
 * assert.ok(model.graph.nodes.some((n) => n.opType === "MatMulInteger"));
 * ```
 */
export function quantizeDynamic(model: Model, options: DynamicQuantOptions = {}): QuantizeResult {
  return quantizeModel(model, {
    approach: "dynamic",
    options: resolveQuantOptions("dynamic", options),
    registry: options.registry,
  });
}
