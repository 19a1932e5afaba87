/**
 * Quantization parameters (scale and zero point) of int8/uint8 linear quantization,
 * `x ≈ (q - zeroPoint) * scale`, computed the way ONNX Runtime's quantization tool computes them:
 * the range always includes 0, symmetric ranges give the type's middle as zero point, and
 * `reduceRange` uses 7-bit ranges. Scales are float32 values, as stored in ONNX models.
 *
 * @module
 */

/** The integer types of linear quantization. */
export type QuantType = "int8" | "uint8";

/**
 * The scale(s) and zero point(s) of a quantized tensor. Per-tensor parameters hold one element;
 * per-channel parameters hold one element per index of dimension `axis` (ONNX `QuantizeLinear`
 * with a 1-D scale). Scales are float32; zero points are integers in the range of `type`.
 */
export interface QuantParams {
  scale: Float32Array;
  zeroPoint: Int32Array;
  type: QuantType;
  /** The channel axis (non-negative) of per-channel parameters; absent when per-tensor. */
  axis?: number;
}

/** Invalid input to a quantization function; the message names the argument and the fix. */
export class QuantParamsError extends Error {
  override name = "QuantParamsError";
}

/** The smallest normal float32 (`numpy.finfo(float32).tiny`): smaller scales count as zero. */
export const FLOAT32_TINY = 1.1754943508222875e-38;

/** Options of {@link quantRange}. */
export interface QuantRangeOptions {
  type: QuantType;
  /** A symmetric int8 range, [-127, 127] (uint8 keeps [0, 255]). Default false. */
  symmetric?: boolean;
  /** 7-bit ranges: uint8 [0, 127], int8 [-64, 64]. Default false. */
  reduceRange?: boolean;
}

/** An inclusive integer range `[qmin, qmax]`. */
export interface QuantRange {
  qmin: number;
  qmax: number;
}

/**
 * The integer range quantized values of `type` may take when computing parameters: the full
 * range, int8's symmetric [-127, 127], or the 7-bit ranges of `reduceRange` (uint8 [0, 127],
 * int8 [-64, 64]), as ONNX Runtime's `get_qmin_qmax_for_qType`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { quantRange } from "./params.ts";
 * assert.deepEqual(quantRange({ type: "int8" }), { qmin: -128, qmax: 127 });
 * assert.deepEqual(quantRange({ type: "int8", symmetric: true }), { qmin: -127, qmax: 127 });
 * assert.deepEqual(quantRange({ type: "uint8", reduceRange: true }), { qmin: 0, qmax: 127 });
 * ```
 */
export function quantRange(options: QuantRangeOptions): QuantRange {
  const { type, symmetric = false, reduceRange = false } = options;
  assertQuantType(type);
  if (type === "uint8") return reduceRange ? { qmin: 0, qmax: 127 } : { qmin: 0, qmax: 255 };
  if (reduceRange) return { qmin: -64, qmax: 64 };
  return symmetric ? { qmin: -127, qmax: 127 } : { qmin: -128, qmax: 127 };
}

/**
 * The full saturation range of a type: what `QuantizeLinear` clamps to ([-128, 127] or [0, 255]).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { typeRange } from "./params.ts";
 * assert.deepEqual(typeRange("int8"), { qmin: -128, qmax: 127 });
 * ```
 */
export function typeRange(type: QuantType): QuantRange {
  assertQuantType(type);
  return type === "uint8" ? { qmin: 0, qmax: 255 } : { qmin: -128, qmax: 127 };
}

/**
 * Rounds to the nearest integer, ties to even (IEEE `roundTiesToEven`, numpy's `round`, C's
 * `nearbyint`): what ONNX's quantization operators use. Non-finite values are returned as is.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { roundHalfToEven } from "./params.ts";
 * assert.deepEqual([2.5, -2.5, 3.5, 0.5, -0.4, 1.6].map(roundHalfToEven), [2, -2, 4, 0, -0, 2]);
 * ```
 */
export function roundHalfToEven(value: number): number {
  const r = Math.round(value); // ties toward +∞
  return r - value === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The smallest and largest value of some data. */
export interface MinMax {
  min: number;
  max: number;
}

/**
 * The smallest and largest value of `data` (both 0 for empty data, as ONNX Runtime does).
 * Throws {@link QuantParamsError} on NaN, which no range can represent.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { minMax } from "./params.ts";
 * assert.deepEqual(minMax(new Float32Array([0.5, -2, 3])), { min: -2, max: 3 });
 * ```
 */
export function minMax(data: ArrayLike<number>): MinMax {
  if (data.length === 0) return { min: 0, max: 0 };
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v < min) min = v;
    if (v > max) max = v;
    if (v !== v) throw nanError("minMax", i);
  }
  return { min, max };
}

/** A tensor given as flat row-major data and its dimensions, with a channel axis. */
export interface ChannelOptions {
  data: ArrayLike<number>;
  dims: readonly number[];
  /** The channel dimension; negative counts from the end, as in ONNX. */
  axis: number;
}

/** Per-channel minima and maxima (one element per index of the channel axis), as float32. */
export interface ChannelMinMax {
  min: Float32Array;
  max: Float32Array;
}

/**
 * The minimum and maximum of each channel (each index of dimension `axis`) of a tensor.
 * Throws {@link QuantParamsError} on NaN or when `data` does not match `dims`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { minMaxPerChannel } from "./params.ts";
 * const data = new Float32Array([1, -2, 3, 4, 5, -6]); // dims [2, 3]
 * const { min, max } = minMaxPerChannel({ data, dims: [2, 3], axis: 1 });
 * assert.deepEqual([...min], [1, -2, -6]);
 * assert.deepEqual([...max], [4, 5, 3]);
 * ```
 */
export function minMaxPerChannel(options: ChannelOptions): ChannelMinMax {
  const { data, dims } = options;
  const layout = channelLayout("minMaxPerChannel", data.length, dims, options.axis);
  const { outer, channels, inner } = layout;
  const min = new Float32Array(channels).fill(Infinity);
  const max = new Float32Array(channels).fill(-Infinity);
  let i = 0;
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      let lo = min[c];
      let hi = max[c];
      for (let k = 0; k < inner; k++, i++) {
        const v = data[i];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
        if (v !== v) throw nanError("minMaxPerChannel", i);
      }
      min[c] = lo;
      max[c] = hi;
    }
  }
  if (outer * inner === 0) {
    min.fill(0);
    max.fill(0);
  }
  return { min, max };
}

/** Options of {@link computeQuantParams}. */
export interface ComputeQuantParamsOptions {
  /** Smallest value to represent (rounded to float32; the range is extended to include 0). */
  min: number;
  /** Largest value to represent (rounded to float32; the range is extended to include 0). */
  max: number;
  type: QuantType;
  /**
   * Make the range symmetric around 0, `[-absmax, absmax]`: zero point 0 (int8) or 128 (uint8;
   * 64 with `reduceRange`), and int8 uses [-127, 127]. Default false.
   */
  symmetric?: boolean;
  /** Use 7-bit ranges (uint8 [0, 127], int8 [-64, 64]) against overflow in VNNI-less int8 GEMMs. */
  reduceRange?: boolean;
  /** Smallest `max - min` to enforce (ONNX Runtime's `min_real_range`); default none. */
  minRealRange?: number;
}

/**
 * Per-tensor scale and zero point for the range `[min, max]`, as ONNX Runtime's quantization
 * tool (`compute_scale_zp`): the range is widened to include 0 (so 0 is exact), made symmetric
 * if asked, `scale = (max - min) / (qmax - qmin)` (the range subtracted in float32, divided in
 * float64, stored as float32) and `zeroPoint = round(qmin - min / scale)` ties to even. A range
 * narrower than the smallest normal float32 (e.g. all zeros) gives scale 1 and zero point 0.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { computeQuantParams } from "./params.ts";
 * const p = computeQuantParams({ min: -1, max: 3, type: "uint8" });
 * assert.equal(p.scale[0], Math.fround(4 / 255));
 * assert.equal(p.zeroPoint[0], 64); // round(0 - (-1) / (4 / 255)) = round(63.75)
 * const s = computeQuantParams({ min: -1, max: 3, type: "int8", symmetric: true });
 * assert.equal(s.scale[0], Math.fround(6 / 254));
 * assert.equal(s.zeroPoint[0], 0);
 * ```
 */
export function computeQuantParams(options: ComputeQuantParamsOptions): QuantParams {
  const { scale, zeroPoint } = scaleZeroPoint(options);
  return {
    scale: Float32Array.of(scale),
    zeroPoint: Int32Array.of(zeroPoint),
    type: options.type,
  };
}

/** Options of {@link computeQuantParamsPerChannel}. */
export interface ComputeQuantParamsPerChannelOptions
  extends ChannelOptions, Omit<ComputeQuantParamsOptions, "min" | "max"> {}

/**
 * Per-channel scales and zero points of a tensor (one per index of dimension `axis`, e.g. the
 * output channels of a weight), each computed from its channel's min and max exactly as
 * {@link computeQuantParams} does; `axis` is returned non-negative.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { computeQuantParamsPerChannel } from "./params.ts";
 * // A [2, 2] weight, one channel per column.
 * const w = new Float32Array([0.5, -2, -1, 4]);
 * const p = computeQuantParamsPerChannel({
 *   data: w, dims: [2, 2], axis: -1, type: "int8", symmetric: true,
 * });
 * assert.equal(p.axis, 1);
 * assert.deepEqual([...p.scale], [Math.fround(2 / 254), Math.fround(8 / 254)]);
 * assert.deepEqual([...p.zeroPoint], [0, 0]);
 * ```
 */
export function computeQuantParamsPerChannel(
  options: ComputeQuantParamsPerChannelOptions,
): QuantParams {
  const { dims, type } = options;
  const axis = normalizeAxis("computeQuantParamsPerChannel", options.axis, dims.length);
  const { min, max } = minMaxPerChannel({ data: options.data, dims, axis });
  const scale = new Float32Array(min.length);
  const zeroPoint = new Int32Array(min.length);
  for (let c = 0; c < min.length; c++) {
    const p = scaleZeroPoint({ ...options, min: min[c], max: max[c] });
    scale[c] = p.scale;
    zeroPoint[c] = p.zeroPoint;
  }
  return { scale, zeroPoint, type, axis };
}

/** A single scale and zero point. */
export interface ScaleZeroPoint {
  scale: number;
  zeroPoint: number;
}

/**
 * The scale and zero point ONNX `DynamicQuantizeLinear` derives from a range (uint8, all in
 * float32 as ONNX Runtime computes it): the range is widened to include 0, `scale = (max - min)
 * / 255` (1 when the range is empty), and `zeroPoint = round(saturate(0 - min / scale))` ties to
 * even.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { dynamicQuantParams } from "./params.ts";
 * const p = dynamicQuantParams({ min: -1, max: 3 });
 * assert.equal(p.scale, Math.fround(4 / 255));
 * assert.equal(p.zeroPoint, 64);
 * assert.deepEqual(dynamicQuantParams({ min: 0, max: 0 }), { scale: 1, zeroPoint: 0 });
 * ```
 */
export function dynamicQuantParams(range: MinMax): ScaleZeroPoint {
  const f = Math.fround;
  if (range.min !== range.min || range.max !== range.max) {
    throw new QuantParamsError("dynamicQuantParams: min or max is NaN; the input contains NaN.");
  }
  const min = Math.min(f(range.min), 0);
  const max = Math.max(f(range.max), 0);
  const scale = max === min ? 1 : f(f(max - min) / 255);
  const initial = f(0 - f(min / scale));
  const zeroPoint = roundHalfToEven(Math.max(0, Math.min(255, initial)));
  return { scale, zeroPoint };
}

function scaleZeroPoint(options: ComputeQuantParamsOptions): ScaleZeroPoint {
  const f = Math.fround;
  const { symmetric = false, minRealRange } = options;
  if (options.min !== options.min || options.max !== options.max) {
    throw new QuantParamsError(
      `computeQuantParams: min ${options.min} / max ${options.max} is NaN; ` +
        "calibrate on data without NaN.",
    );
  }
  const { qmin, qmax } = quantRange(options);
  let rmin = Math.min(f(options.min), 0);
  let rmax = Math.max(f(options.max), 0);
  if (minRealRange !== undefined) rmax = Math.max(rmax, f(rmin + f(minRealRange)));
  if (symmetric) {
    const absmax = Math.max(Math.abs(rmin), Math.abs(rmax));
    rmin = -absmax;
    rmax = absmax;
  }
  const range = f(rmax - rmin);
  if (!Number.isFinite(range)) {
    throw new QuantParamsError(
      `computeQuantParams: range [${options.min}, ${options.max}] overflows float32; ` +
        "clip the calibration range (e.g. a percentile calibrator) before quantizing.",
    );
  }
  const scale64 = range / (qmax - qmin);
  if (scale64 < FLOAT32_TINY) return { scale: 1, zeroPoint: 0 };
  const zp = symmetric
    ? roundHalfToEven((qmin + qmax) / 2)
    : roundHalfToEven(qmin - rmin / scale64);
  return { scale: f(scale64), zeroPoint: Math.min(qmax, Math.max(qmin, zp)) };
}

/**
 * Resolves an ONNX axis (negative counts from the end) against a rank; throws
 * {@link QuantParamsError} naming `where` when it is out of range.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { normalizeAxis } from "./params.ts";
 * assert.equal(normalizeAxis("example", -1, 4), 3);
 * ```
 */
export function normalizeAxis(where: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new QuantParamsError(
      `${where}: axis ${axis} is out of range for a tensor of rank ${rank}; ` +
        `pass an axis in [${-rank}, ${rank - 1}].`,
    );
  }
  return axis < 0 ? axis + rank : axis;
}

/** How a flat row-major tensor splits around a channel axis: `[outer, channels, inner]`. */
export interface ChannelLayout {
  axis: number;
  outer: number;
  channels: number;
  inner: number;
}

/**
 * The `[outer, channels, inner]` split of a tensor of `dims` around `axis`, checking that it
 * holds `length` elements; throws {@link QuantParamsError} naming `where` otherwise.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { channelLayout } from "./params.ts";
 * assert.deepEqual(channelLayout("example", 24, [2, 3, 4], 1), {
 *   axis: 1, outer: 2, channels: 3, inner: 4,
 * });
 * ```
 */
export function channelLayout(
  where: string,
  length: number,
  dims: readonly number[],
  axis: number,
): ChannelLayout {
  const a = normalizeAxis(where, axis, dims.length);
  assertShape(where, length, dims);
  let outer = 1;
  for (let d = 0; d < a; d++) outer *= dims[d];
  let inner = 1;
  for (let d = a + 1; d < dims.length; d++) inner *= dims[d];
  return { axis: a, outer, channels: dims[a], inner };
}

/**
 * Checks that a tensor of `dims` holds `length` elements; throws {@link QuantParamsError}
 * naming `where` otherwise.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { assertShape, QuantParamsError } from "./params.ts";
 * assert.throws(() => assertShape("example", 5, [2, 3]), QuantParamsError);
 * ```
 */
export function assertShape(where: string, length: number, dims: readonly number[]): void {
  let size = 1;
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 0) {
      throw new QuantParamsError(`${where}: dimension ${d} of [${dims}] is not a size.`);
    }
    size *= d;
  }
  if (size !== length) {
    throw new QuantParamsError(
      `${where}: data has ${length} elements but dims [${dims}] hold ${size}; ` +
        "pass the dims of this tensor (row-major).",
    );
  }
}

function assertQuantType(type: string): asserts type is QuantType {
  if (type !== "int8" && type !== "uint8") {
    throw new QuantParamsError(
      `Quantization type "${type}" is not supported; use "int8" or "uint8".`,
    );
  }
}

function nanError(where: string, index: number): QuantParamsError {
  return new QuantParamsError(
    `${where}: element ${index} is NaN; a quantization range cannot include NaN. ` +
      "Check the model outputs or calibration data that produced it.",
  );
}
