/**
 * SQNR of a variant's weights against the FP32 ones: what the compression did to each weight
 * before any data flows.
 *
 * @module
 */

import { GraphIndex, type Model, type Tensor, tensorToFloat32 } from "../onnx/mod.ts";
import { dequantizeLinear, transpose2d } from "../quant/mod.ts";
import { sqnr } from "./sqnr.ts";

/** How a variant stores an FP32 weight. */
export type WeightForm =
  /** Under the same name, float, FP16 or BF16 (mixed precision, pruning, distillation). */
  | "float"
  /** As `<name>[_transposed]_quantized` with `_scale` and `_zero_point` (the kit's quantizers). */
  | "quantized";

/** The error of one weight. */
export interface WeightError {
  /** The FP32 initializer. */
  weight: string;
  form: WeightForm;
  /** SQNR of the variant's weight (dequantized) against FP32, in dB. */
  sqnr: number;
}

/**
 * The variant's version of the FP32 weight `name`, as float32 in the FP32 layout, and how it is
 * stored; undefined when the variant has none of the same size.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createModel, DataType, GraphBuilder } from "../onnx/mod.ts";
 * import { quantizeDynamic } from "../quant/mod.ts";
 * import { variantWeight } from "./weight_sqnr.ts";
 * const b = new GraphBuilder("g");
 * const x = b.input("x", DataType.FLOAT, ["n", 2]);
 * b.output(b.op("MatMul", [x, b.initializer("w", DataType.FLOAT, [2, 2], [1, -2, 0.5, 4])]), DataType.FLOAT, ["n", 2], { rename: "y" });
 * const fp32 = createModel(b.build());
 * const w = variantWeight(quantizeDynamic(fp32).model, fp32.graph.initializers[0])!;
 * assert.equal(w.form, "quantized");
 * assert.ok(w.values.every((v, i) => Math.abs(v - [1, -2, 0.5, 4][i]) < 0.02));
 * ```
 */
export function variantWeight(
  variant: Model,
  fp32: Tensor,
): { values: Float32Array; form: WeightForm } | undefined {
  const index = new GraphIndex(variant.graph);
  const same = index.constant(fp32.name);
  if (same && same.data.length === fp32.data.length) {
    return { values: tensorToFloat32(same), form: "float" };
  }
  for (const transposed of [false, true]) {
    const base = transposed ? `${fp32.name}_transposed` : fp32.name;
    const data = index.constant(`${base}_quantized`);
    const scale = index.constant(`${base}_scale`);
    const zeroPoint = index.constant(`${base}_zero_point`);
    if (!data || !scale || data.data.length !== fp32.data.length || data.dims.length !== 2) {
      continue;
    }
    const scales = tensorToFloat32(scale);
    const axis = scales.length === 1 ? undefined : data.dims[1] === scales.length ? 1 : 0;
    const values = dequantizeLinear({
      x: data.data as Int8Array,
      dims: data.dims,
      scale: scales,
      zeroPoint: zeroPoint ? tensorToFloat32(zeroPoint) : 0,
      axis,
    });
    const back = transposed ? transpose2d(values, data.dims[0], data.dims[1]) : values;
    return { values: back, form: "quantized" };
  }
  return undefined;
}

/**
 * The SQNR of each of `weights` (FP32 initializer names) in `variant`, in the order given;
 * weights the variant does not have are left out.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createModel, DataType, GraphBuilder } from "../onnx/mod.ts";
 * import { quantizeDynamic } from "../quant/mod.ts";
 * import { weightErrors } from "./weight_sqnr.ts";
 * const b = new GraphBuilder("g");
 * const x = b.input("x", DataType.FLOAT, ["n", 2]);
 * b.output(b.op("MatMul", [x, b.initializer("w", DataType.FLOAT, [2, 2], [0.3, -0.7, 0.11, 0.9])]), DataType.FLOAT, ["n", 2], { rename: "y" });
 * const fp32 = createModel(b.build());
 * const [w] = weightErrors(fp32, quantizeDynamic(fp32).model, ["w"]);
 * assert.ok(w.sqnr > 30 && w.sqnr < 80, `${w.sqnr} dB`);
 * ```
 */
export function weightErrors(
  fp32: Model,
  variant: Model,
  weights: readonly string[],
): WeightError[] {
  const index = new GraphIndex(fp32.graph);
  const errors: WeightError[] = [];
  for (const weight of weights) {
    const tensor = index.constant(weight);
    if (!tensor) continue;
    const found = variantWeight(variant, tensor);
    if (!found) continue;
    errors.push({ weight, form: found.form, sqnr: sqnr(tensorToFloat32(tensor), found.values) });
  }
  return errors;
}
