/**
 * Mixed precision: convert a float32 ONNX graph to FP16 or BF16 with the workshop deck's three
 * AMP categories explicit (lower-precision ops, fallthrough ops, FP32 ops), Casts at the
 * boundaries, correctly rounded constants, and a report of which op runs in which type — checked
 * against what ONNX Runtime's CPU provider actually implements.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createModel, DataType, GraphBuilder } from "../onnx/mod.ts";
 * import { convertToMixedPrecision } from "./mod.ts";
 * const b = new GraphBuilder();
 * const x = b.input("x", DataType.FLOAT, [1, 4]);
 * const w = b.initializer("w", DataType.FLOAT, [4, 4], new Array(16).fill(0.25));
 * b.output(b.op("Relu", [b.op("MatMul", [x, w])]), DataType.FLOAT, [1, 4], { rename: "y" });
 * const { report } = convertToMixedPrecision(createModel(b.build()), { target: "bf16" });
 * assert.deepEqual(report.nodes.map((n) => [n.op, n.precision, n.compute]), [
 *   ["MatMul", "bf16", "kit-casts"],
 *   ["Relu", "bf16", "kit-casts"],
 * ]);
 * ```
 *
 * @module
 */
export * from "./options.ts";
export * from "./errors.ts";
export * from "./categories.ts";
export * from "./ort_support.ts";
export * from "./ort_probe.ts";
export * from "./elem_types.ts";
export * from "./rounding.ts";
export * from "./casts.ts";
export * from "./plan.ts";
export * from "./convert.ts";
export * from "./precision_report.ts";
export * from "./executed.ts";
export * from "./bits.ts";
export * from "./bench.ts";
export * from "./figures.ts";
export * from "./evaluate_mixed_precision.ts";
