/**
 * ONNX `QuantizeLinear`, `DequantizeLinear` and `DynamicQuantizeLinear` on typed arrays,
 * bit for bit as ONNX Runtime computes them: float32 arithmetic, rounding ties to even,
 * saturation to the integer type.
 *
 * @module
 */

import {
  assertShape,
  channelLayout,
  dynamicQuantParams,
  minMax,
  QuantParamsError,
  type QuantType,
  roundHalfToEven,
  typeRange,
} from "./params.ts";

/** Quantized data: `Int8Array` for int8, `Uint8Array` for uint8. */
export type QuantizedArray = Int8Array | Uint8Array;

/** Scale(s) and zero point(s) as accepted by the operators: a number or one per channel. */
export interface LinearQuantOptions {
  /** Row-major dimensions of the tensor. */
  dims: readonly number[];
  /** One scale (per tensor) or one per index of `axis` (per channel); used as float32. */
  scale: ArrayLike<number> | number;
  /** Zero point(s), matching `scale` in length; default 0. */
  zeroPoint?: ArrayLike<number> | number;
  /** The channel axis of per-channel parameters (ONNX default 1; negative counts from the end). */
  axis?: number;
}

/** Options of {@link quantizeLinear}. */
export interface QuantizeLinearOptions extends LinearQuantOptions {
  /** The float values; non-float32 values are rounded to float32 first, as ONNX does. */
  x: ArrayLike<number>;
  type: QuantType;
}

/**
 * ONNX `QuantizeLinear`: `y = saturate(roundHalfToEven(x / scale) + zeroPoint)`, with `x / scale`
 * in float32. Per-tensor when `scale` has one element, else per channel along `axis` (whose
 * dimension must equal the number of scales). ±Infinity saturates; NaN (left undefined by ONNX)
 * gives the type's minimum, as ONNX Runtime's CPU kernel does. A `QuantParams` can be spread into
 * the options.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { quantizeLinear } from "./qdq_ops.ts";
 * const x = new Float32Array([0, 1, 2.5, -2.5, 3.5, 1000, -1000]);
 * const y = quantizeLinear({ x, dims: [7], scale: 1, zeroPoint: 0, type: "int8" });
 * assert.deepEqual([...y], [0, 1, 2, -2, 4, 127, -128]);
 * ```
 */
export function quantizeLinear(options: QuantizeLinearOptions): QuantizedArray {
  const { x, type } = options;
  const p = resolveParams("quantizeLinear", x.length, options);
  const { qmin, qmax } = typeRange(type);
  const y = type === "int8" ? new Int8Array(x.length) : new Uint8Array(x.length);
  const f = Math.fround;
  let i = 0;
  for (let o = 0; o < p.outer; o++) {
    for (let c = 0; c < p.channels; c++) {
      const s = p.scale[c];
      const zp = p.zeroPoint[c];
      for (let k = 0; k < p.inner; k++, i++) {
        const v = f(f(x[i]) / s);
        let q = v !== v ? qmin : roundHalfToEven(v) + zp;
        if (q < qmin) q = qmin;
        else if (q > qmax) q = qmax;
        y[i] = q;
      }
    }
  }
  return y;
}

/** Options of {@link dequantizeLinear}. */
export interface DequantizeLinearOptions extends LinearQuantOptions {
  /** Quantized values: int8, uint8, or int32 (a bias, zero point 0). */
  x: Int8Array | Uint8Array | Int32Array;
}

/**
 * ONNX `DequantizeLinear`: `y = (x - zeroPoint) * scale` in float32, per tensor or per channel
 * along `axis` like {@link quantizeLinear}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { dequantizeLinear } from "./qdq_ops.ts";
 * const y = dequantizeLinear({ x: new Uint8Array([0, 3, 128, 255]), dims: [4], scale: 2, zeroPoint: 128 });
 * assert.deepEqual([...y], [-256, -250, 0, 254]);
 * ```
 */
export function dequantizeLinear(options: DequantizeLinearOptions): Float32Array {
  const { x } = options;
  const p = resolveParams("dequantizeLinear", x.length, options);
  const y = new Float32Array(x.length);
  const f = Math.fround;
  let i = 0;
  for (let o = 0; o < p.outer; o++) {
    for (let c = 0; c < p.channels; c++) {
      const s = p.scale[c];
      const zp = p.zeroPoint[c];
      for (let k = 0; k < p.inner; k++, i++) y[i] = f(f((x[i] - zp) | 0) * s);
    }
  }
  return y;
}

/** The result of {@link dynamicQuantizeLinear}. */
export interface DynamicQuantizeResult {
  y: Uint8Array;
  /** float32 scale. */
  scale: number;
  zeroPoint: number;
}

/**
 * ONNX `DynamicQuantizeLinear`: uint8 quantization with a scale and zero point derived from the
 * data's own range (see {@link dynamicQuantParams}), then {@link quantizeLinear}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { dynamicQuantizeLinear } from "./qdq_ops.ts";
 * const { y, scale, zeroPoint } = dynamicQuantizeLinear(new Float32Array([-1, 0, 3]));
 * assert.equal(scale, Math.fround(4 / 255));
 * assert.equal(zeroPoint, 64);
 * assert.deepEqual([...y], [0, 64, 255]);
 * ```
 */
export function dynamicQuantizeLinear(x: ArrayLike<number>): DynamicQuantizeResult {
  const { scale, zeroPoint } = dynamicQuantParams(minMax(x));
  const y = quantizeLinear({ x, dims: [x.length], scale, zeroPoint, type: "uint8" }) as Uint8Array;
  return { y, scale, zeroPoint };
}

interface ResolvedParams {
  scale: Float32Array;
  zeroPoint: Int32Array;
  outer: number;
  channels: number;
  inner: number;
}

function resolveParams(where: string, length: number, options: LinearQuantOptions): ResolvedParams {
  const { dims } = options;
  const scale = Float32Array.from(
    typeof options.scale === "number" ? [options.scale] : options.scale,
  );
  const zp = options.zeroPoint ?? 0;
  const zeroPoint = Int32Array.from(
    typeof zp === "number" ? (scale.length === 1 ? [zp] : new Array(scale.length).fill(zp)) : zp,
  );
  if (zeroPoint.length !== scale.length) {
    throw new QuantParamsError(
      `${where}: ${scale.length} scales but ${zeroPoint.length} zero points; ` +
        "pass one zero point per scale.",
    );
  }
  if (scale.length === 1) {
    assertShape(where, length, dims);
    return { scale, zeroPoint, outer: 1, channels: 1, inner: length };
  }
  const layout = channelLayout(where, length, dims, options.axis ?? 1);
  if (layout.channels !== scale.length) {
    throw new QuantParamsError(
      `${where}: ${scale.length} per-channel scales but dimension ${layout.axis} of ` +
        `[${dims}] has ${layout.channels} entries; pass the axis the parameters were computed on.`,
    );
  }
  return { scale, zeroPoint, ...layout };
}
