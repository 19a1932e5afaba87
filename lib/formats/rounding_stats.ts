import { NUMBER_FORMATS, type NumberFormatName } from "./number_formats.ts";
import { roundToFormat } from "./round.ts";

/** Options of {@link roundingStats}. */
export interface RoundingStatsOptions {
  /**
   * Integer formats: one step's value. Default: symmetric max-abs scaling, `max|x| / qmax`, as
   * per-tensor symmetric quantization does (no value overflows then).
   */
  scale?: number;
}

/** What storing a set of values in a format did to them. */
export interface RoundingStats {
  format: NumberFormatName;
  count: number;
  /** Values the format could not hold exactly. */
  rounded: number;
  /** Finite values too large: became ±Infinity or were clamped. */
  overflowed: number;
  /** Non-zero values that became zero. */
  underflowed: number;
  /** Largest `|stored − value|` among values that did not overflow to infinity. */
  maxAbsError: number;
  /** Mean `|stored − value| / |value|` over non-zero values that stayed finite. */
  meanRelativeError: number;
  /**
   * `√(Σ error² / Σ value²)` over values that stayed finite: the noise the format adds relative
   * to the signal, what a dot product of the values feels (tiny values weigh little).
   */
  rmsRelativeError: number;
  /** The integer scale used (integers only). */
  scale?: number;
}

/**
 * Stores every value in `format` and counts what happened: rounded, overflowed, underflowed,
 * and the errors. Run it on a model's real weights and activations to see which format holds
 * them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { roundingStats } from "./rounding_stats.ts";
 * const s = roundingStats(new Float32Array([1e-9, 0.5, 1e5]), "fp16");
 * assert.deepEqual([s.rounded, s.overflowed, s.underflowed], [2, 1, 1]);
 * ```
 */
export function roundingStats(
  values: ArrayLike<number>,
  format: NumberFormatName,
  options: RoundingStatsOptions = {},
): RoundingStats {
  const spec = NUMBER_FORMATS[format];
  let scale: number | undefined;
  if (spec.kind === "int") {
    let maxAbs = 0;
    for (let i = 0; i < values.length; i++) maxAbs = Math.max(maxAbs, Math.abs(values[i]));
    scale = options.scale ?? (maxAbs > 0 ? maxAbs / spec.max : 1);
  }
  let rounded = 0;
  let overflowed = 0;
  let underflowed = 0;
  let maxAbsError = 0;
  let relativeSum = 0;
  let relativeCount = 0;
  let errorSquares = 0;
  let valueSquares = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    const r = roundToFormat(value, format, { scale });
    if (r.stored !== value) rounded++;
    if (r.overflow) overflowed++;
    if (r.underflow) underflowed++;
    const error = Math.abs(r.stored - value);
    if (Number.isFinite(error)) {
      maxAbsError = Math.max(maxAbsError, error);
      errorSquares += error * error;
      valueSquares += value * value;
      if (value !== 0) {
        relativeSum += error / Math.abs(value);
        relativeCount++;
      }
    }
  }
  return {
    format,
    count: values.length,
    rounded,
    overflowed,
    underflowed,
    maxAbsError,
    meanRelativeError: relativeCount > 0 ? relativeSum / relativeCount : 0,
    rmsRelativeError: valueSquares > 0 ? Math.sqrt(errorSquares / valueSquares) : 0,
    ...(scale === undefined ? {} : { scale }),
  };
}
