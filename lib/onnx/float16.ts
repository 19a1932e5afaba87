/**
 * Conversions between float32 values and the raw bits of FLOAT16 (IEEE half) and BFLOAT16, the
 * form in which the kit stores 16-bit float tensors (`Uint16Array`). Rounding is to nearest, ties
 * to even, as in PyTorch and numpy.
 *
 * @module
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * The FLOAT16 bits nearest to `value` (overflow becomes ±Infinity, NaN stays NaN).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toFloat16Bits } from "./float16.ts";
 * assert.equal(toFloat16Bits(1), 0x3c00);
 * assert.equal(toFloat16Bits(-2), 0xc000);
 * assert.equal(toFloat16Bits(70000), 0x7c00); // +Infinity
 * ```
 */
export function toFloat16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  let mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - e;
    let half = mantissa >>> shift;
    const rest = mantissa & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && (half & 1) === 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (up to Infinity).
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1)) half++;
  return sign | half;
}

/**
 * The value of FLOAT16 bits.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fromFloat16Bits } from "./float16.ts";
 * assert.equal(fromFloat16Bits(0x3555), 0.333251953125);
 * ```
 */
export function fromFloat16Bits(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/**
 * The BFLOAT16 bits nearest to `value`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toBfloat16Bits } from "./float16.ts";
 * assert.equal(toBfloat16Bits(1), 0x3f80);
 * ```
 */
export function toBfloat16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0];
  if ((x & 0x7f800000) === 0x7f800000 && (x & 0x7fffff) !== 0) return (x >>> 16) | 0x40;
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

/**
 * The value of BFLOAT16 bits.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fromBfloat16Bits } from "./float16.ts";
 * assert.equal(fromBfloat16Bits(0xbf80), -1);
 * ```
 */
export function fromBfloat16Bits(bits: number): number {
  u32[0] = (bits & 0xffff) << 16;
  return f32[0];
}

/**
 * FLOAT16 bits → float32 values.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { float16ToFloat32 } from "./float16.ts";
 * assert.deepEqual(float16ToFloat32(new Uint16Array([0x3c00, 0xc000])), new Float32Array([1, -2]));
 * ```
 */
export function float16ToFloat32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = fromFloat16Bits(bits[i]);
  return out;
}

/**
 * Float values → FLOAT16 bits.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { float32ToFloat16 } from "./float16.ts";
 * assert.deepEqual(float32ToFloat16(new Float32Array([1, -2])), new Uint16Array([0x3c00, 0xc000]));
 * ```
 */
export function float32ToFloat16(values: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = toFloat16Bits(values[i]);
  return out;
}

/**
 * BFLOAT16 bits → float32 values.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bfloat16ToFloat32 } from "./float16.ts";
 * assert.deepEqual(bfloat16ToFloat32(new Uint16Array([0x3f80])), new Float32Array([1]));
 * ```
 */
export function bfloat16ToFloat32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  const wide = new Uint32Array(out.buffer);
  for (let i = 0; i < bits.length; i++) wide[i] = bits[i] << 16;
  return out;
}

/**
 * Float values → BFLOAT16 bits.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { float32ToBfloat16 } from "./float16.ts";
 * assert.deepEqual(float32ToBfloat16(new Float32Array([1, -1])), new Uint16Array([0x3f80, 0xbf80]));
 * ```
 */
export function float32ToBfloat16(values: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = toBfloat16Bits(values[i]);
  return out;
}
