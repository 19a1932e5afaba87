import {
  type FloatFormatSpec,
  formatRange,
  type IntFormatSpec,
  NUMBER_FORMATS,
  type NumberFormatName,
} from "./number_formats.ts";

/** Options of {@link roundToFormat}. */
export interface RoundToFormatOptions {
  /** Integer formats: the value of one step (`x ≈ scale · q`); default 1. Ignored for floats. */
  scale?: number;
}

/** A value as a format stores it. */
export interface Rounded {
  /** The value the stored bits mean (for integers: `code · scale`). */
  stored: number;
  /** The stored bits as an unsigned integer (two's complement for integers). */
  code: number;
  /** A finite value too large for the format: it became ±Infinity or was clamped to ±max. */
  overflow: boolean;
  /** A non-zero value that became zero. */
  underflow: boolean;
}

/**
 * Rounds half to even, exactly, for any double.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { roundHalfEven } from "./round.ts";
 * assert.deepEqual([0.5, 1.5, 2.5, -2.5, 2.6].map(roundHalfEven), [0, 2, 2, -2, 3]);
 * ```
 */
export function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const diff = value - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * `value` rounded to `format` (to nearest, ties to even; subnormals kept): what the format
 * stores, its bits, and whether it overflowed or underflowed. Computed exactly in float64, so it
 * agrees with `Math.fround` for FP32 and with hardware conversions for FP16 and BF16.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { roundToFormat } from "./round.ts";
 * assert.equal(roundToFormat(0.1, "bf16").stored, 0.10009765625);
 * assert.equal(roundToFormat(70000, "fp16").stored, Infinity);
 * assert.equal(roundToFormat(1000, "fp8-e4m3").stored, 448); // ONNX Cast saturates FP8
 * assert.deepEqual(roundToFormat(-0.3, "int8", { scale: 0.01 }), {
 *   stored: -0.3, code: 0xe2, overflow: false, underflow: false,
 * });
 * ```
 */
export function roundToFormat(
  value: number,
  format: NumberFormatName,
  options: RoundToFormatOptions = {},
): Rounded {
  const spec = NUMBER_FORMATS[format];
  return spec.kind === "int"
    ? roundToInt(value, spec, options.scale ?? 1)
    : roundToFloat(value, spec);
}

function roundToInt(value: number, spec: IntFormatSpec, scale: number): Rounded {
  if (!(scale > 0) || !Number.isFinite(scale)) {
    throw new RangeError(`${spec.name}: scale must be a positive finite number (got ${scale}).`);
  }
  const unclamped = Number.isNaN(value) ? 0 : roundHalfEven(value / scale);
  const q = Math.min(spec.max, Math.max(spec.min, unclamped));
  return {
    stored: q * scale,
    code: q < 0 ? q + 2 ** spec.bits : q,
    overflow: q !== unclamped,
    underflow: value !== 0 && q === 0,
  };
}

function roundToFloat(value: number, spec: FloatFormatSpec): Rounded {
  const { exponentBits, mantissaBits, bias } = spec;
  const { max, minNormal, minPositive } = formatRange(spec.name);
  const signBit = value < 0 || Object.is(value, -0) ? 1 : 0;
  const signCode = signBit * 2 ** (exponentBits + mantissaBits);
  const allOnesExponent = (2 ** exponentBits - 1) * 2 ** mantissaBits;
  const mantissaMask = 2 ** mantissaBits - 1;
  if (Number.isNaN(value)) {
    const nanMantissa = spec.specials === "ieee" ? 2 ** (mantissaBits - 1) : mantissaMask;
    return { stored: NaN, code: allOnesExponent + nanMantissa, overflow: false, underflow: false };
  }
  const magnitude = Math.abs(value);
  let rounded: number;
  if (magnitude === Infinity) rounded = Infinity;
  else if (magnitude < minNormal) rounded = roundHalfEven(magnitude / minPositive) * minPositive;
  else {
    let exponent = Math.floor(Math.log2(magnitude));
    if (2 ** exponent > magnitude) exponent--;
    else if (2 ** (exponent + 1) <= magnitude) exponent++;
    const ulp = 2 ** (exponent - mantissaBits);
    rounded = roundHalfEven(magnitude / ulp) * ulp;
  }
  const overflow = Number.isFinite(value) && rounded > max;
  if (rounded > max) {
    // Finite overflow: FP8 saturates (ONNX Cast), the others round to ±Infinity. An infinite
    // input stays infinite where the format has infinities; E4M3FN has none and saturates.
    const saturate = spec.specials === "fn" || (overflow && spec.overflow === "saturate");
    rounded = saturate ? max : Infinity;
  }
  const sign = signBit ? -1 : 1;
  const stored = sign * rounded;
  let code: number;
  if (rounded === Infinity) code = signCode + allOnesExponent;
  else if (rounded < minNormal) code = signCode + rounded / minPositive;
  else {
    let exponent = Math.floor(Math.log2(rounded));
    if (2 ** exponent > rounded) exponent--;
    else if (2 ** (exponent + 1) <= rounded) exponent++;
    const mantissa = (rounded / 2 ** exponent - 1) * 2 ** mantissaBits;
    code = signCode + (exponent + bias) * 2 ** mantissaBits + mantissa;
  }
  return { stored, code, overflow, underflow: value !== 0 && rounded === 0 };
}
