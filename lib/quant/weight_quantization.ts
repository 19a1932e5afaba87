/**
 * Quantizing constant tensors (weights, embedding tables, biases) ahead of time with the
 * {@link computeQuantParams} / {@link quantizeLinear} primitives, so the values in the model
 * are bit for bit what ONNX `QuantizeLinear` would produce.
 *
 * @module
 */

import { createTensor, DataType, type Tensor, tensorToFloat32 } from "../onnx/mod.ts";
import {
  computeQuantParams,
  computeQuantParamsPerChannel,
  minMax,
  type QuantParams,
  type QuantType,
  roundHalfToEven,
} from "./params.ts";
import { quantizeLinear } from "./qdq_ops.ts";
import { transpose2d } from "../model/weights.ts";

/** Re-exported from `lib/model` (PyTorch `[out, in]` ↔ ONNX `[in, out]`), where it lives. */
export { transpose2d };

/** How to quantize a weight. */
export interface WeightQuantOptions {
  type: QuantType;
  symmetric: boolean;
  /** One scale per index of `axis` (else one per tensor). */
  perChannel: boolean;
  /** The channel axis (output channels; negative counts from the end). */
  axis: number;
  reduceRange: boolean;
  /** Transpose a 2-D weight first (`[N, K]` → `[K, N]`, for `Gemm` with `transB`). */
  transpose?: boolean;
}

/** A quantized constant: integer data plus its scale and zero point as ONNX tensors. */
export interface QuantizedTensor {
  data: Tensor;
  /** FLOAT, `[]` per tensor or `[channels]` per channel. */
  scale: Tensor;
  /** INT8/UINT8 like `data`, same shape as `scale`. */
  zeroPoint: Tensor;
  /** The channel axis (non-negative) when per channel. */
  axis?: number;
  params: QuantParams;
}

/** The ONNX element type of a quantization type. */
export function quantDataType(type: QuantType): DataType {
  return type === "int8" ? DataType.INT8 : DataType.UINT8;
}

/**
 * Quantizes a float tensor. The new tensors are named `<base>_quantized`, `<base>_scale` and
 * `<base>_zero_point` (pass fresh names through `names`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createTensor, DataType } from "../onnx/mod.ts";
 * import { quantizeWeight } from "./weight_quantization.ts";
 * const w = createTensor("w", DataType.FLOAT, [2, 2], [0.5, -2, -1, 4]);
 * const q = quantizeWeight(w, {
 *   type: "int8", symmetric: true, perChannel: true, axis: 1, reduceRange: false,
 * }, { data: "w_q", scale: "w_s", zeroPoint: "w_zp" });
 * assert.deepEqual(q.data.dims, [2, 2]);
 * assert.deepEqual([...q.data.data], [64, -64, -127, 127]);
 * assert.deepEqual(q.scale.dims, [2]);
 * ```
 */
export function quantizeWeight(
  tensor: Tensor,
  options: WeightQuantOptions,
  names: { data: string; scale: string; zeroPoint: string },
): QuantizedTensor {
  let values = tensorToFloat32(tensor);
  let dims = [...tensor.dims];
  if (options.transpose) {
    values = transpose2d(values, dims[0], dims[1]);
    dims = [dims[1], dims[0]];
  }
  const { type, symmetric, reduceRange } = options;
  const params = options.perChannel
    ? computeQuantParamsPerChannel({
      data: values,
      dims,
      axis: options.axis,
      type,
      symmetric,
      reduceRange,
    })
    : computeQuantParams({ ...minMax(values), type, symmetric, reduceRange });
  const q = quantizeLinear({
    x: values,
    dims,
    scale: params.scale,
    zeroPoint: params.zeroPoint,
    axis: params.axis,
    type,
  });
  const paramDims = params.axis === undefined ? [] : [params.scale.length];
  const zp = type === "int8" ? Int8Array.from(params.zeroPoint) : Uint8Array.from(params.zeroPoint);
  return {
    data: createTensor(names.data, quantDataType(type), dims, q),
    scale: createTensor(names.scale, DataType.FLOAT, paramDims, params.scale),
    zeroPoint: createTensor(names.zeroPoint, quantDataType(type), paramDims, zp),
    axis: params.axis,
    params,
  };
}

/**
 * A float bias quantized to int32 with scale `inputScale × weightScale[c]` (zero point 0), as
 * ONNX's QDQ convention for biases of integer GEMMs and convolutions; returns the data and the
 * scales (float32, one per channel or one).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { quantizeBias } from "./weight_quantization.ts";
 * const { data, scale } = quantizeBias(new Float32Array([0.5, -1]), 0.5, new Float32Array([0.1, 0.2]));
 * assert.deepEqual([...scale], [Math.fround(0.05), Math.fround(0.1)]);
 * assert.deepEqual([...data], [10, -10]);
 * ```
 */
export function quantizeBias(
  bias: Float32Array,
  inputScale: number,
  weightScale: Float32Array,
): { data: Int32Array; scale: Float32Array } {
  const f = Math.fround;
  const scale = new Float32Array(weightScale.length);
  for (let c = 0; c < scale.length; c++) scale[c] = f(f(inputScale) * weightScale[c]);
  const data = new Int32Array(bias.length);
  for (let i = 0; i < bias.length; i++) {
    const s = scale.length === 1 ? scale[0] : scale[i];
    const q = s > 0 ? roundHalfToEven(f(bias[i] / s)) : 0;
    data[i] = Math.max(-2147483648, Math.min(2147483647, q));
  }
  return { data, scale };
}
