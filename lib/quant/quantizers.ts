/**
 * The built-in op quantizers.
 *
 * @module
 */

import { gatherQuantizer } from "./op_gather.ts";
import { gemmQuantizer } from "./op_gemm.ts";
import { matMulQuantizer } from "./op_matmul.ts";
import { QuantizerRegistry } from "./registry.ts";

/**
 * A new registry with the built-in quantizers: `MatMul`, `Gemm` and `Gather`. Add your own with
 * `register` and pass it as `options.registry`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultQuantizers } from "./quantizers.ts";
 * assert.deepEqual(defaultQuantizers().opTypes(), ["MatMul", "Gemm", "Gather"]);
 * ```
 */
export function defaultQuantizers(): QuantizerRegistry {
  return new QuantizerRegistry([matMulQuantizer, gemmQuantizer, gatherQuantizer]);
}
