/**
 * Static post-training quantization: weights and activations quantized ahead of time, the
 * activations with ranges measured on calibration data (`calibrate`).
 *
 * @module
 */

import type { Model } from "../onnx/mod.ts";
import { resolveQuantOptions, type StaticQuantOptions } from "./options.ts";
import type { MinMax } from "./params.ts";
import { quantizeModel, type QuantizeResult } from "./quantize_model.ts";
import type { CalibrationResult } from "./calibrate.ts";

/** Activation ranges: a calibration result, or tensor name → range. */
export type ActivationRanges =
  | CalibrationResult
  | ReadonlyMap<string, MinMax>
  | Readonly<Record<string, MinMax>>;

/**
 * Quantizes `model` statically with the activation ranges of a calibration and returns the new
 * model (the input is not changed) with its report. `format: "qdq"` (default) writes
 * QuantizeLinear/DequantizeLinear around float ops (linear layers with a bias as QDQ `Gemm`
 * with an int32 bias, so ONNX Runtime fuses them into `QGemm`); `"qoperator"` writes integer
 * ops directly (`MatMulIntegerToFloat` with the bias inside). Nodes whose inputs have no range
 * stay FP32, with the reason in the report.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createModel, DataType, GraphBuilder } from "../onnx/mod.ts";
 * import { quantizeStatic } from "./static.ts";
 * const b = new GraphBuilder("linear");
 * const x = b.input("x", DataType.FLOAT, ["n", 4]);
 * const w = b.initializer("w", DataType.FLOAT, [4, 3], Array.from({ length: 12 }, (_, i) => i / 10 - 0.5));
 * b.output(b.op("MatMul", [x, w]), DataType.FLOAT, ["n", 3], { rename: "y" });
 * const { model, report } = quantizeStatic(createModel(b.build()), { x: { min: -1, max: 1 } });
 * assert.deepEqual(report.counts, { quantized: 1, fp32: 0 });
 * assert.deepEqual(
 *   model.graph.nodes.map((n) => n.opType),
 *   ["QuantizeLinear", "DequantizeLinear", "DequantizeLinear", "MatMul"],
 * );
 * ```
 */
export function quantizeStatic(
  model: Model,
  ranges: ActivationRanges,
  options: StaticQuantOptions = {},
): QuantizeResult {
  return quantizeModel(model, {
    approach: "static",
    options: resolveQuantOptions("static", options),
    registry: options.registry,
    ranges: toRangeMap(ranges),
  });
}

function toRangeMap(ranges: ActivationRanges): ReadonlyMap<string, MinMax> {
  if (ranges instanceof Map) return ranges;
  const record = isCalibrationResult(ranges) ? ranges.ranges : ranges as Record<string, MinMax>;
  return new Map(Object.entries(record));
}

function isCalibrationResult(value: ActivationRanges): value is CalibrationResult {
  return typeof (value as CalibrationResult).method === "string" &&
    typeof (value as CalibrationResult).ranges === "object";
}
