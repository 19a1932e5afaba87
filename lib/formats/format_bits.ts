import { NUMBER_FORMATS, type NumberFormatName } from "./number_formats.ts";
import { roundToFormat, type RoundToFormatOptions } from "./round.ts";

/** One value in one format: its bit fields, what they store, and the rounding error. */
export interface FormatBits {
  format: NumberFormatName;
  /** The value asked for. */
  value: number;
  /** All the format's bits, most significant first (TF32: its 19 significant bits). */
  bits: string;
  hex: string;
  /** The sign bit (integers: the two's-complement top bit). */
  sign: string;
  /** Exponent field (empty for integers). */
  exponent: string;
  /** Mantissa (fraction) field; for integers the bits below the top bit. */
  mantissa: string;
  /** The value the bits mean. */
  stored: number;
  /** `stored − value`. */
  error: number;
  /** `|stored − value| / |value|` (0 for 0). */
  relativeError: number;
  overflow: boolean;
  underflow: boolean;
}

/**
 * The bits of `value` in `format` and the error of storing it there: the explorer behind the
 * notebook's "type a number" cell. Integers take a `scale` (default 1).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatBits } from "./format_bits.ts";
 * const half = formatBits(-1.5, "fp16");
 * assert.deepEqual([half.sign, half.exponent, half.mantissa], ["1", "01111", "1000000000"]);
 * assert.equal(half.hex, "0xbe00");
 * const e4m3 = formatBits(0.1, "fp8-e4m3");
 * assert.equal(e4m3.stored, 0.1015625);
 * assert.equal(formatBits(-3, "int4").bits, "1101");
 * ```
 */
export function formatBits(
  value: number,
  format: NumberFormatName,
  options: RoundToFormatOptions = {},
): FormatBits {
  const spec = NUMBER_FORMATS[format];
  const rounded = roundToFormat(value, format, options);
  const width = spec.kind === "float" ? 1 + spec.exponentBits + spec.mantissaBits : spec.bits;
  const bits = rounded.code.toString(2).padStart(width, "0");
  const exponentBits = spec.kind === "float" ? spec.exponentBits : 0;
  const error = rounded.stored - value;
  return {
    format,
    value,
    bits,
    hex: `0x${rounded.code.toString(16).padStart(Math.ceil(width / 4), "0")}`,
    sign: bits.slice(0, 1),
    exponent: bits.slice(1, 1 + exponentBits),
    mantissa: bits.slice(1 + exponentBits),
    stored: rounded.stored,
    error,
    relativeError: value === 0 || !Number.isFinite(error)
      ? (error === 0 ? 0 : Infinity)
      : Math.abs(error / value),
    overflow: rounded.overflow,
    underflow: rounded.underflow,
  };
}
