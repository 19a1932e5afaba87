/**
 * Static post-training quantization: weights and activations quantized ahead of time, the
 * activations with ranges measured on calibration data (`calibrate`).
 *
 * @module
 */

import type { Model } from "../onnx/mod.ts";
import type { SessionOptions } from "../runtime/mod.ts";
import type { ProgressOption } from "../progress/mod.ts";
import { resolveQuantOptions, type StaticQuantOptions } from "./options.ts";
import type { MinMax } from "./params.ts";
import { quantizeModel, type QuantizeResult } from "./quant_pass.ts";
import { calibrate, type CalibrationReader, type CalibrationResult } from "./calibrate.ts";
import type { CalibrationMethod } from "./range_methods.ts";

/** Activation ranges: a calibration result, or tensor name → range. */
export type ActivationRanges =
  | CalibrationResult
  | ReadonlyMap<string, MinMax>
  | Readonly<Record<string, MinMax>>;

/**
 * Quantizes `model` statically with the activation ranges of a calibration and returns the new
 * model (the input is not changed) with its report. `format: "qdq"` (default) writes
 * QuantizeLinear/DequantizeLinear around float ops (linear layers as a QDQ `MatMul` plus a float
 * bias `Add`, which ONNX Runtime fuses into `MatMulIntegerToFloat`; `qdqBias: "int32"` writes a
 * `Gemm` with an int32 bias instead, fused into `QGemm`); `"qoperator"` writes integer
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

/** Options of {@link calibrateAndQuantize}: quantization and calibration in one object. */
export interface CalibratedQuantOptions extends StaticQuantOptions {
  /** Calibration method (default `"minmax"`). */
  method?: CalibrationMethod;
  /** Percentile method: share of values kept, in percent (default 99.999). */
  percentile?: number;
  /** Entropy method: quantization levels (default 128). */
  numQuantizedBins?: number;
  /** Calibration samples (rows) to use (default: all the reader gives). */
  calibrationSize?: number;
  /** Histogram bins per tensor (default 8192). */
  numBins?: number;
  /** How ONNX Runtime runs the FP32 model during calibration. */
  session?: SessionOptions;
  /** Calibration progress (default on). */
  progress?: ProgressOption;
}

/**
 * Calibrates `model` on `reader` and quantizes it statically: {@link calibrate} then
 * {@link quantizeStatic}, with ranges symmetric when `activationSymmetric` is set. Returns the
 * calibration too, to quantize again with other options or methods (`recalibrate`) without
 * running the model again.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as ort from "onnxruntime-node";
 * import { createModel, DataType, GraphBuilder } from "../onnx/mod.ts";
 * import { calibrateAndQuantize } from "./static.ts";
 * const b = new GraphBuilder("linear");
 * const x = b.input("x", DataType.FLOAT, ["n", 4]);
 * const w = b.initializer("w", DataType.FLOAT, [4, 3], Array.from({ length: 12 }, (_, i) => i / 10 - 0.5));
 * b.output(b.op("MatMul", [x, w]), DataType.FLOAT, ["n", 3], { rename: "y" });
 * const feeds = [{ x: new ort.Tensor("float32", new Float32Array([1, -2, 3, 0.5]), [1, 4]) }];
 * const result = await calibrateAndQuantize(createModel(b.build()), feeds, {
 *   format: "qoperator",
 *   progress: false,
 * });
 * assert.deepEqual(result.calibration.ranges.x, { min: -2, max: 3 });
 * assert.equal(result.report.counts.quantized, 1);
 * ```
 */
export async function calibrateAndQuantize(
  model: Model,
  reader: CalibrationReader,
  options: CalibratedQuantOptions = {},
): Promise<QuantizeResult & { calibration: CalibrationResult }> {
  const calibration = await calibrate(model, reader, {
    method: options.method,
    percentile: options.percentile,
    numQuantizedBins: options.numQuantizedBins,
    symmetric: options.activationSymmetric,
    size: options.calibrationSize,
    numBins: options.numBins,
    session: options.session,
    progress: options.progress,
    opTypes: options.opTypes,
    quantizeActivationMatMuls: options.quantizeActivationMatMuls,
    registry: options.registry,
  });
  return { ...quantizeStatic(model, calibration, options), calibration };
}
