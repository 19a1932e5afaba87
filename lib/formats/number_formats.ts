/**
 * The number formats of deep learning side by side: their bit layouts and what those layouts
 * can hold (largest value, smallest normal and subnormal values, relative precision).
 *
 * @module
 */

/** A number format the kit explains. */
export type NumberFormatName =
  | "fp32"
  | "tf32"
  | "bf16"
  | "fp16"
  | "fp8-e4m3"
  | "fp8-e5m2"
  | "int8"
  | "int4";

/** Every format, widest first. */
export const NUMBER_FORMAT_NAMES: readonly NumberFormatName[] = [
  "fp32",
  "tf32",
  "bf16",
  "fp16",
  "fp8-e4m3",
  "fp8-e5m2",
  "int8",
  "int4",
];

/** A binary floating-point format: 1 sign bit, `exponentBits`, `mantissaBits`. */
export interface FloatFormatSpec {
  kind: "float";
  name: NumberFormatName;
  /** Bits in storage (TF32 is stored in 32 bits but computes with 19). */
  bits: number;
  exponentBits: number;
  mantissaBits: number;
  bias: number;
  /**
   * `"ieee"`: the all-ones exponent holds ±Infinity and NaN (FP32, TF32, BF16, FP16, E5M2).
   * `"fn"`: no infinities; only S.1111.111 is NaN, so the top exponent holds normal numbers
   * (FP8 E4M3FN, the E4M3 of ONNX and of NVIDIA/Arm/Intel's FP8 paper).
   */
  specials: "ieee" | "fn";
  /**
   * What a finite value too large for the format becomes: `"infinity"` (IEEE rounding) or
   * `"saturate"` (±max: ONNX `Cast` to FP8 with its default `saturate=1`).
   */
  overflow: "infinity" | "saturate";
  /** Where it is used. */
  note: string;
}

/** A two's-complement integer format; a real value `x` is stored as `round(x / scale)`. */
export interface IntFormatSpec {
  kind: "int";
  name: NumberFormatName;
  bits: number;
  min: number;
  max: number;
  note: string;
}

/** One of {@link NUMBER_FORMATS}. */
export type NumberFormatSpec = FloatFormatSpec | IntFormatSpec;

const float = (
  name: NumberFormatName,
  exponentBits: number,
  mantissaBits: number,
  options: Pick<FloatFormatSpec, "specials" | "overflow" | "note"> & { bits?: number },
): FloatFormatSpec => ({
  kind: "float",
  name,
  bits: options.bits ?? 1 + exponentBits + mantissaBits,
  exponentBits,
  mantissaBits,
  bias: 2 ** (exponentBits - 1) - 1,
  specials: options.specials,
  overflow: options.overflow,
  note: options.note,
});

/** The formats' layouts. */
export const NUMBER_FORMATS: Readonly<Record<NumberFormatName, NumberFormatSpec>> = {
  "fp32": float("fp32", 8, 23, {
    specials: "ieee",
    overflow: "infinity",
    note: "training and inference default",
  }),
  "tf32": float("tf32", 8, 10, {
    bits: 32,
    specials: "ieee",
    overflow: "infinity",
    note: "NVIDIA tensor cores' FP32 matmul mode (stored as FP32)",
  }),
  "bf16": float("bf16", 8, 7, {
    specials: "ieee",
    overflow: "infinity",
    note: "FP32's range, 3 digits; mixed-precision training",
  }),
  "fp16": float("fp16", 5, 10, {
    specials: "ieee",
    overflow: "infinity",
    note: "IEEE half; GPU inference, needs loss scaling to train",
  }),
  "fp8-e4m3": float("fp8-e4m3", 4, 3, {
    specials: "fn",
    overflow: "saturate",
    note: "FP8 for weights and activations (E4M3FN)",
  }),
  "fp8-e5m2": float("fp8-e5m2", 5, 2, {
    specials: "ieee",
    overflow: "saturate",
    note: "FP8 for gradients (wider range)",
  }),
  "int8": {
    kind: "int",
    name: "int8",
    bits: 8,
    min: -128,
    max: 127,
    note: "weights and activations with a scale (PTQ, QAT)",
  },
  "int4": {
    kind: "int",
    name: "int4",
    bits: 4,
    min: -8,
    max: 7,
    note: "weight-only quantization of large models",
  },
};

/** What a format can hold. */
export interface FormatRange {
  /** Largest finite value (for integers: the largest code, times the scale). */
  max: number;
  /** Smallest positive normal value (integers: one step). */
  minNormal: number;
  /** Smallest positive value at all (subnormal for floats; integers: one step). */
  minPositive: number;
  /**
   * Relative precision: the gap between 1 and the next value (floats, `2^-mantissaBits`); for
   * integers the step divided by the largest value.
   */
  epsilon: number;
  /** Decimal digits the format keeps, `-log10(epsilon)`. */
  digits: number;
  /** Distinct finite values. */
  values: number;
}

/**
 * The largest value, smallest values and precision of `format`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatRange } from "./number_formats.ts";
 * assert.equal(formatRange("fp16").max, 65504);
 * assert.equal(formatRange("fp8-e4m3").max, 448);
 * assert.equal(formatRange("fp8-e5m2").max, 57344);
 * assert.equal(formatRange("bf16").epsilon, 2 ** -7);
 * assert.equal(formatRange("int8").max, 127);
 * ```
 */
export function formatRange(format: NumberFormatName): FormatRange {
  const spec = NUMBER_FORMATS[format];
  if (spec.kind === "int") {
    const epsilon = 1 / spec.max;
    return {
      max: spec.max,
      minNormal: 1,
      minPositive: 1,
      epsilon,
      digits: -Math.log10(epsilon),
      values: 2 ** spec.bits,
    };
  }
  const { exponentBits, mantissaBits, bias } = spec;
  const topExponent = spec.specials === "ieee" ? 2 ** exponentBits - 2 : 2 ** exponentBits - 1;
  // E4M3FN: the top exponent's all-ones mantissa is NaN, so its largest mantissa is 1.110…
  const topMantissa = spec.specials === "ieee"
    ? 2 - 2 ** -mantissaBits
    : 2 - 2 ** (1 - mantissaBits);
  const epsilon = 2 ** -mantissaBits;
  const width = 1 + exponentBits + mantissaBits;
  const finiteCodes = spec.specials === "ieee"
    ? 2 ** width - 2 ** (mantissaBits + 1)
    : 2 ** width - 2;
  return {
    max: topMantissa * 2 ** (topExponent - bias),
    minNormal: 2 ** (1 - bias),
    minPositive: 2 ** (1 - bias - mantissaBits),
    epsilon,
    digits: -Math.log10(epsilon),
    values: finiteCodes - 1, // +0 and −0 are one value
  };
}
