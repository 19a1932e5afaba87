/**
 * Float32 → FLOAT16 / BFLOAT16 conversion of tensor data, with the statistics a converter must
 * report: values clamped or overflowed to infinity, values flushed to zero.
 *
 * The bit-level rounding is `lib/onnx/float16.ts`'s `toFloat16Bits` / `toBfloat16Bits`
 * (round to nearest, ties to even; subnormals rounded, not flushed; NaN stays a quiet NaN with its
 * sign; ±Infinity stays ±Infinity). `rounding_test.ts` checks them against independent references
 * (the platform's `Float16Array` and an exact BFLOAT16 rounding in float64) before this module
 * relies on them.
 *
 * @module
 */

import { toBfloat16Bits, toFloat16Bits } from "../onnx/mod.ts";
import type { PrecisionTarget } from "./options.ts";

/** Largest finite FLOAT16 value. */
export const FP16_MAX = 65504;
/** Largest finite BFLOAT16 value (0x7f7f). */
export const BF16_MAX = 3.3895313892515355e38;

/**
 * The largest finite value of a target type.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { maxFinite } from "./rounding.ts";
 * assert.equal(maxFinite("fp16"), 65504);
 * ```
 */
export function maxFinite(target: PrecisionTarget): number {
  return target === "fp16" ? FP16_MAX : BF16_MAX;
}

/** Options of {@link roundFloat32}. */
export interface RoundOptions {
  /** Clamp finite values that would round to ±Infinity to ±max instead (default false). */
  saturate?: boolean;
}

/** Float32 data converted to a 16-bit float type, and what was lost. */
export interface RoundedFloats {
  /** The FLOAT16 or BFLOAT16 bits. */
  bits: Uint16Array;
  /** Finite values clamped to ±max (only with `saturate`). */
  clamped: number;
  /** Finite values that became ±Infinity (only without `saturate`). */
  overflowed: number;
  /** Non-zero finite values that became ±0. */
  underflowed: number;
  /** Largest |value| among the finite inputs. */
  maxAbs: number;
}

/**
 * Rounds float32 `values` to `target` bits (nearest, ties to even), counting overflow and
 * underflow.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { roundFloat32 } from "./rounding.ts";
 * const half = roundFloat32(new Float32Array([1, 70000, -1e9, 1e-9]), "fp16", { saturate: true });
 * assert.deepEqual([...half.bits], [0x3c00, 0x7bff, 0xfbff, 0x0000]);
 * assert.equal(half.clamped, 2);
 * assert.equal(half.underflowed, 1);
 * const brain = roundFloat32(new Float32Array([3.4028234663852886e38]), "bf16");
 * assert.deepEqual([...brain.bits], [0x7f80]); // rounds up to +Infinity
 * assert.equal(brain.overflowed, 1);
 * ```
 */
export function roundFloat32(
  values: Float32Array,
  target: PrecisionTarget,
  options: RoundOptions = {},
): RoundedFloats {
  const toBits = target === "fp16" ? toFloat16Bits : toBfloat16Bits;
  const infinity = target === "fp16" ? 0x7c00 : 0x7f80;
  const maxBits = target === "fp16" ? 0x7bff : 0x7f7f;
  const bits = new Uint16Array(values.length);
  let clamped = 0;
  let overflowed = 0;
  let underflowed = 0;
  let maxAbs = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    let b = toBits(v);
    const magnitude = b & 0x7fff;
    if (magnitude === infinity && Number.isFinite(v)) {
      if (options.saturate) {
        b = (b & 0x8000) | maxBits;
        clamped++;
      } else {
        overflowed++;
      }
    } else if (magnitude === 0 && v !== 0) {
      underflowed++;
    }
    if (Number.isFinite(v)) maxAbs = Math.max(maxAbs, Math.abs(v));
    bits[i] = b;
  }
  return { bits, clamped, overflowed, underflowed, maxAbs };
}
