/**
 * The error atlas: where a compressed variant's error comes from. Per tensor, the SQNR of the
 * weights and of the activations, the *local* error (the variant's nodes for that tensor alone,
 * fed FP32 inputs) against the *propagated* error (the whole variant), along the depth of the
 * network; a ranked table; and one call that leaves the worst layers uncompressed and measures
 * again. Works for any variant that keeps the FP32 model's tensor names (every format the kit
 * writes; see `tensor_match.ts` for the rule); tensors a structurally pruned variant computes in
 * another shape are skipped and listed (`ErrorAtlas.skipped`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sqnr } from "./mod.ts";
 * assert.equal(sqnr([3, 4], [3, 4.5]).toFixed(2), "20.00"); // 25 / 0.25 = 100 → 20 dB
 * ```
 *
 * @module
 */
export * from "./sqnr.ts";
export * from "./tensor_match.ts";
export * from "./probe_models.ts";
export * from "./weight_sqnr.ts";
export * from "./error_atlas.ts";
export * from "./figures.ts";
export * from "./report_section.ts";
export * from "./by_layer_kind.ts";
