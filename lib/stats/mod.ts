/**
 * Statistics with every number: seeded bootstrap intervals of accuracy and F1, the exact McNemar
 * test of paired predictions, latency intervals from interleaved runs, and the per-row view of a
 * comparison — flips, agreement, logit-margin shifts, the most fragile rows.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mcnemarExact } from "./mod.ts";
 * assert.equal(mcnemarExact({ labels: [1], reference: [1], candidate: [1] }).pValue, 1);
 * ```
 *
 * @module
 */
export * from "./interval.ts";
export * from "./bootstrap.ts";
export * from "./mcnemar.ts";
export * from "./latency.ts";
export * from "./flips.ts";
export * from "./compare_variants.ts";
export * from "./figures.ts";
