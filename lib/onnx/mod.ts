/**
 * The editable in-memory ONNX model: read and write `.onnx` files (with external data), inspect
 * and change graphs, and build new ones. Compression passes (quantization, fusion, pruning,
 * mixed precision) work on these plain objects.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { DataType, GraphBuilder, createModel, decodeModel, encodeModel } from "./mod.ts";
 * const b = new GraphBuilder("double");
 * const x = b.input("x", DataType.FLOAT, ["n"]);
 * const two = b.constant("two", DataType.FLOAT, [], [2]);
 * b.output(b.op("Mul", [x, two]), DataType.FLOAT, ["n"], { rename: "y" });
 * const model = decodeModel(encodeModel(createModel(b.build())));
 * assert.deepEqual(model.graph.outputs, [{ name: "y", elemType: DataType.FLOAT, shape: ["n"] }]);
 * ```
 *
 * @module
 */
export * from "./data_type.ts";
export * from "./float16.ts";
export * from "./tensor.ts";
export * from "./attribute.ts";
export * from "./model.ts";
export * from "./errors.ts";
export * from "./decode.ts";
export * from "./encode.ts";
export * from "./external_data.ts";
export * from "./external_data_files.ts";
export * from "./io.ts";
export * from "./graph_index.ts";
export * from "./graph_ops.ts";
export * from "./unique_names.ts";
export * from "./builder.ts";
export * from "./stats.ts";
export * from "./size.ts";
export * from "./domains.ts";
export * from "./shape_inference.ts";
export * from "./shape_rules.ts";
export * from "./constant_eval.ts";
export * from "./constant_folding.ts";
export * from "./rewrite_context.ts";
export * from "./linear.ts";
export * from "./expose_outputs.ts";
