/**
 * Number formats: FP32, TF32, BF16, FP16, FP8 (E4M3, E5M2), INT8, INT4 — bit layouts, range and
 * precision, a value's bits in each format, and what storing real tensors in them does
 * (rounding, overflow, underflow). Pure arithmetic, exact in float64; no model code.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatBits } from "./mod.ts";
 * assert.equal(formatBits(1, "bf16").hex, "0x3f80");
 * ```
 *
 * @module
 */
export * from "./number_formats.ts";
export * from "./round.ts";
export * from "./format_bits.ts";
export * from "./rounding_stats.ts";
export * from "./figures.ts";
