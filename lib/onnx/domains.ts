/**
 * Operator-set domains the kit writes besides the default ONNX domain.
 *
 * @module
 */

/**
 * The Microsoft contrib-op domain of ONNX Runtime (`MatMulIntegerToFloat`, `Attention`,
 * `SkipLayerNormalization`, …).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MS_DOMAIN } from "./domains.ts";
 * assert.equal(MS_DOMAIN, "com.microsoft");
 * ```
 */
export const MS_DOMAIN = "com.microsoft";
