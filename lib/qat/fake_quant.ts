/**
 * Fake quantization: quantize then dequantize in float, `y = (clamp(round(x / s) + z) − z) · s`,
 * so the forward pass sees exactly the values an int8/uint8 model computes with while everything
 * stays float32 and differentiable. The numerics are those of `lib/quant`'s ONNX
 * `QuantizeLinear`/`DequantizeLinear` (`x / s` in float32, rounding half to even, saturation to
 * the type's range, `(q − z) · s` in float32), so a fake-quantized tensor equals
 * `dequantizeLinear(quantizeLinear(x))` element for element. Both passes run as kernels of the
 * wasm backend (`fake_quant_kernel.ts`) that allocate one tensor each, which keeps a QAT step at
 * DistilBERT-base size within the backend's heap.
 *
 * Backward: the straight-through estimator with clipping — the gradient passes unchanged where
 * `round(x / s) + z` lies inside the type's range and is zero where the value was saturated.
 * Scales and zero points are constants of the pass (computed from observers or the weights
 * themselves, as PyTorch's default QAT does), not trained.
 *
 * @module
 */
import type { GradSaveFunc, NamedAttrMap, Tensor, Tensor1D, Tensor2D } from "@tensorflow/tfjs";
import { tf } from "../train/mod.ts";
import { computeQuantParams, type QuantParams, typeRange } from "../quant/mod.ts";
import {
  FAKE_QUANT_GRAD_KERNEL,
  FAKE_QUANT_KERNEL,
  type FakeQuantAttrs,
  registerFakeQuantKernels,
} from "./fake_quant_kernel.ts";

/** Parameters given to fake quantization are inconsistent; the message says which and why. */
export class FakeQuantError extends Error {
  override name = "FakeQuantError";
}

/**
 * Throws {@link FakeQuantError} naming `where` unless tfjs is started (`await initTf()`, or any
 * `TfDistilBert`), which fake quantization needs.
 *
 * @example
 * ```ts
 * import { initTf } from "../train/mod.ts";
 * import { requireTf } from "./fake_quant.ts";
 * await initTf();
 * requireTf("example"); // does not throw
 * ```
 */
export function requireTf(where: string): void {
  if (!tf) {
    throw new FakeQuantError(`${where}: tfjs is not started; call \`await initTf()\` first.`);
  }
}

/** The channel axis of `params` on `x` (−1 per tensor), checked against `x`'s shape. */
function channelAxis(x: Tensor, params: QuantParams): number {
  const n = params.scale.length;
  if (params.zeroPoint.length !== n) {
    throw new FakeQuantError(
      `fakeQuantize: ${n} scales but ${params.zeroPoint.length} zero points; pass one per channel.`,
    );
  }
  if (params.axis === undefined) {
    if (n !== 1) {
      throw new FakeQuantError(
        `fakeQuantize: ${n} scales without an axis; set params.axis for per-channel parameters.`,
      );
    }
    return -1;
  }
  const axis = params.axis < 0 ? params.axis + x.rank : params.axis;
  if (!(axis >= 0 && axis < x.rank) || x.shape[axis] !== n) {
    throw new FakeQuantError(
      `fakeQuantize: ${n} per-channel scales on axis ${params.axis}, but the tensor has shape ` +
        `[${x.shape}]; compute the parameters on the axis whose size is the number of channels.`,
    );
  }
  return axis;
}

/** Options of {@link fakeQuantize}. */
export interface FakeQuantizeOptions {
  /**
   * The parameters are symmetric ones computed from the tensor's own extremes, as
   * {@link weightQuantParams} and {@link embeddingQuantParams} give (or from a table the tensor's
   * rows were looked up in): no value can saturate, so the clipped straight-through gradient is
   * the identity and the backward pass skips its mask (default false).
   */
  ownRange?: boolean;
}

/**
 * Fake-quantizes `x` with `params` (a `QuantParams` of `lib/quant`: per tensor, or per channel
 * along `params.axis`), with the clipped straight-through estimator as gradient. Call inside
 * `tf.tidy` (or dispose the result).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initTf } from "../train/mod.ts";
 * import { computeQuantParams } from "../quant/mod.ts";
 * import { fakeQuantize } from "./fake_quant.ts";
 * const tf = await initTf();
 * const params = computeQuantParams({ min: 0, max: 2.55, type: "uint8" }); // scale 0.01
 * const x = tf.tensor1d([0.014, 0.015, 0.025, 3]);
 * const y = fakeQuantize(x, params);
 * assert.deepEqual(Array.from(y.dataSync()), [0.01, 0.02, 0.02, 2.55].map(Math.fround));
 * const g = tf.grad((t) => tf.sum(fakeQuantize(t, params)))(x);
 * assert.deepEqual(Array.from(g.dataSync()), [1, 1, 1, 0]); // 3 saturates: no gradient
 * ```
 */
export function fakeQuantize<T extends Tensor>(
  x: T,
  params: QuantParams,
  options: FakeQuantizeOptions = {},
): T {
  requireTf("fakeQuantize");
  if (x.dtype !== "float32") {
    throw new FakeQuantError(
      `fakeQuantize: the tensor is ${x.dtype}; fake quantization takes float32.`,
    );
  }
  const { qmin, qmax } = typeRange(params.type);
  // clamp(round(x / s) + z, qmin, qmax) − z == clamp(round(x / s), qmin − z, qmax − z): integers
  // below 2²⁴ are exact in float32, so the shorter form gives the same values.
  const attrs: FakeQuantAttrs = {
    scale: Float32Array.from(params.scale),
    lo: Float32Array.from(params.zeroPoint, (z) => qmin - z),
    hi: Float32Array.from(params.zeroPoint, (z) => qmax - z),
    axis: channelAxis(x, params),
  };
  registerFakeQuantKernels(tf);
  // Attributes are plain data the kernels read; tfjs's attribute type has no typed arrays.
  const kernelAttrs = attrs as unknown as NamedAttrMap;
  const op = tf.customGrad((...args: (Tensor | GradSaveFunc)[]) => {
    const [input, save] = args as [Tensor, GradSaveFunc];
    const value = tf.engine().runKernel(FAKE_QUANT_KERNEL, { x: input }, kernelAttrs) as Tensor;
    // Nothing saturates: the clipped straight-through gradient is the gradient itself.
    if (options.ownRange) return { value, gradFunc: (dy: Tensor) => dy };
    save([input]);
    return {
      value,
      // Straight-through where nothing was clipped (round(x/s) + z inside [qmin, qmax]).
      gradFunc: (dy: Tensor, [saved]: Tensor[]) =>
        tf.engine().runKernel(FAKE_QUANT_GRAD_KERNEL, { dy, x: saved }, kernelAttrs) as Tensor,
    };
  });
  return op(x) as T;
}

/**
 * Per-output-channel symmetric int8 parameters of a weight in PyTorch's `[out, in]` layout (one
 * scale per row), equal to `computeQuantParamsPerChannel` on the same values: the scale is
 * `2·max|w_row| / 254` and the zero point 0. Only the row maxima are read back from the backend.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initTf } from "../train/mod.ts";
 * import { weightQuantParams } from "./fake_quant.ts";
 * const tf = await initTf();
 * const p = weightQuantParams(tf.tensor2d([[0.5, -1.27], [2.54, 0]]));
 * assert.deepEqual([...p.scale], [0.01, 0.02].map(Math.fround));
 * assert.deepEqual([...p.zeroPoint], [0, 0]);
 * assert.equal(p.axis, 0);
 * ```
 */
export function weightQuantParams(weight: Tensor2D, options: WeightRangeOptions = {}): QuantParams {
  requireTf("weightQuantParams");
  return symmetricInt8Params(weight, 0, options.reduceRange ?? false);
}

/** Options of {@link weightQuantParams} and {@link embeddingQuantParams}. */
export interface WeightRangeOptions {
  /** 7-bit range ([-64, 64]), as `computeQuantParams`'s `reduceRange` (default false). */
  reduceRange?: boolean;
}

/**
 * Per-hidden-unit symmetric int8 parameters of an embedding table `[rows, dim]` (one scale per
 * column, axis 1), equal to what `quantizeStatic`'s `Gather` quantizer computes for the table
 * (`computeQuantParamsPerChannel` on axis 1, int8 symmetric): the scale is
 * `2·max|table[:, c]| / 254` and the zero point 0. Only the column maxima are read back.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initTf } from "../train/mod.ts";
 * import { embeddingQuantParams } from "./fake_quant.ts";
 * const tf = await initTf();
 * const p = embeddingQuantParams(tf.tensor2d([[0.5, -2.54], [-1.27, 0]]));
 * assert.deepEqual([...p.scale], [0.01, 0.02].map(Math.fround));
 * assert.deepEqual([...p.zeroPoint], [0, 0]);
 * assert.equal(p.axis, 1);
 * ```
 */
export function embeddingQuantParams(
  table: Tensor2D,
  options: WeightRangeOptions = {},
): QuantParams {
  requireTf("embeddingQuantParams");
  return symmetricInt8Params(table, 1, options.reduceRange ?? false);
}

/** Symmetric int8 parameters of `x`, one per index of `axis`, as `computeQuantParams` gives. */
function symmetricInt8Params(x: Tensor2D, axis: 0 | 1, reduceRange: boolean): QuantParams {
  const absMax = tf.tidy(() => tf.max(tf.abs(x), 1 - axis)).dataSync() as Float32Array;
  const scale = new Float32Array(absMax.length);
  const zeroPoint = new Int32Array(absMax.length);
  for (let c = 0; c < absMax.length; c++) {
    const p = computeQuantParams({
      min: -absMax[c],
      max: absMax[c],
      type: "int8",
      symmetric: true,
      reduceRange,
    });
    scale[c] = p.scale[0];
    zeroPoint[c] = p.zeroPoint[0];
  }
  return { scale, zeroPoint, type: "int8", axis };
}

/**
 * A bias quantized to int32 with scale `inputScale · weightScale[c]` and dequantized, as the QDQ
 * `Gemm` that `quantizeStatic` writes (lib/quant `quantizeBias`) computes it; the gradient passes
 * unchanged (int32 never saturates in practice).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initTf } from "../train/mod.ts";
 * import { fakeQuantizeBias } from "./fake_quant.ts";
 * const tf = await initTf();
 * const b = fakeQuantizeBias(tf.tensor1d([0.5, -1.04]), 0.5, Float32Array.of(0.1, 0.2));
 * assert.deepEqual(Array.from(b.dataSync()), [0.5, -1.0]);
 * ```
 */
export function fakeQuantizeBias(
  bias: Tensor1D,
  inputScale: number,
  weightScale: Float32Array,
): Tensor1D {
  requireTf("fakeQuantizeBias");
  const f = Math.fround;
  const scales = new Float32Array(bias.shape[0]);
  for (let c = 0; c < scales.length; c++) {
    scales[c] = f(f(inputScale) * (weightScale.length === 1 ? weightScale[0] : weightScale[c]));
  }
  const op = tf.customGrad((...args: (Tensor | GradSaveFunc)[]) => {
    const input = args[0] as Tensor;
    const scale = tf.tensor1d(scales, "float32");
    const q = tf.round(tf.div(input, scale));
    const value = tf.where(tf.greater(scale, 0), tf.mul(q, scale), tf.zerosLike(scale));
    return { value, gradFunc: (dy: Tensor) => dy };
  });
  return op(bias) as Tensor1D;
}
