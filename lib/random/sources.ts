/**
 * Two tiny seeded uniform sources with a 32-bit state, kept because existing streams (synthetic
 * token batches, test fixtures) are defined by them; new code should use {@link createRng}.
 *
 * @module
 */

/** A source of numbers in [0, 1), each a 32-bit draw divided by 2^32. */
export type UniformSource = () => number;

/**
 * Marsaglia's xorshift32 (shifts 13, 17, 5). The state is `seed >>> 0`; a zero state would stay
 * zero forever, so seed 0 (mod 2^32) starts from 1.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { xorshift32 } from "./sources.ts";
 * assert.equal(xorshift32(1)(), 270369 / 2 ** 32);
 * assert.equal(xorshift32(0)(), xorshift32(1)());
 * ```
 */
export function xorshift32(seed: number): UniformSource {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
}

/**
 * Tommy Ettinger's mulberry32: a Weyl sequence (step 0x6d2b79f5) from `seed >>> 0`, hashed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mulberry32 } from "./sources.ts";
 * const a = mulberry32(5);
 * const b = mulberry32(5);
 * assert.equal(a(), b());
 * assert.ok(a() < 1);
 * ```
 */
export function mulberry32(seed: number): UniformSource {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * One standard normal value by the Box–Muller transform, √(−2 ln(1 − u₁)) · cos(2π u₂), from two
 * draws of `uniform` (the radius first; `1 − u₁` keeps the logarithm finite).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { boxMuller, mulberry32 } from "./sources.ts";
 * const random = mulberry32(1);
 * const xs = Array.from({ length: 2000 }, () => boxMuller(random));
 * assert.ok(Math.abs(xs.reduce((s, x) => s + x, 0) / xs.length) < 0.1);
 * ```
 */
export function boxMuller(uniform: UniformSource): number {
  return Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}
