/**
 * The op quantizers every quantization uses unless given its own registry: the built-in ones
 * (`MatMul`, `Gemm`, `Gather`) and those registered with {@link registerOpQuantizer} — one file
 * with an `OpQuantizer` plus one registration, from inside or outside `lib/`.
 *
 * @module
 */

import { DEFAULT_OP_TYPES } from "./options.ts";
import { gatherQuantizer } from "./op_gather.ts";
import { gemmQuantizer } from "./op_gemm.ts";
import { matMulQuantizer } from "./op_matmul.ts";
import {
  type OpQuantizer,
  QuantizerRegistry,
  QuantizerRegistryError,
} from "./quantizer_registry.ts";

const registered = new QuantizerRegistry([matMulQuantizer, gemmQuantizer, gatherQuantizer]);

/**
 * A new registry with the built-in quantizers (`MatMul`, `Gemm` and `Gather`) and every one
 * added with {@link registerOpQuantizer}. Add your own with `register` and pass it as
 * `options.registry`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultQuantizers } from "./builtin_quantizers.ts";
 * assert.deepEqual(defaultQuantizers().opTypes(), ["MatMul", "Gemm", "Gather"]);
 * ```
 */
export function defaultQuantizers(): QuantizerRegistry {
  return new QuantizerRegistry(registered.quantizers());
}

/** Options of {@link registerOpQuantizer}. */
export interface RegisterOpQuantizerOptions {
  /** Swap the quantizer already registered for its op type (default false: that throws). */
  replace?: boolean;
}

/**
 * Registers an op quantizer for every later quantization (`quantizeStatic`, `quantizeDynamic`,
 * `calibrate`, the tuner) that does not bring its own `options.registry`. Its op type is
 * quantized when selected: add it to `options.opTypes` (the default `DEFAULT_OP_TYPES` stays
 * `MatMul`, `Gemm`, `Gather`). Throws {@link QuantizerRegistryError} when the op type has a
 * quantizer already, unless `options.replace`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import {
 *   defaultQuantizers,
 *   registerOpQuantizer,
 *   unregisterOpQuantizer,
 * } from "./builtin_quantizers.ts";
 * registerOpQuantizer({
 *   opType: "Relu",
 *   activationInputs: () => [],
 *   quantize: () => ({ quantized: false, reason: "an example" }),
 * });
 * assert.deepEqual(defaultQuantizers().opTypes(), ["MatMul", "Gemm", "Gather", "Relu"]);
 * assert.equal(unregisterOpQuantizer("Relu"), true);
 * assert.equal(defaultQuantizers().get("Relu"), undefined);
 * ```
 */
export function registerOpQuantizer(
  quantizer: OpQuantizer,
  options: RegisterOpQuantizerOptions = {},
): void {
  if (options.replace) registered.replace(quantizer);
  else registered.register(quantizer);
}

/**
 * Removes a quantizer added with {@link registerOpQuantizer}; returns whether one was
 * registered. The built-in ones stay (swap them with `{ replace: true }`, or leave their op type
 * out of `options.opTypes`).
 */
export function unregisterOpQuantizer(opType: string): boolean {
  if (DEFAULT_OP_TYPES.includes(opType)) {
    throw new QuantizerRegistryError(
      `The ${opType} quantizer is built in and cannot be unregistered; register a replacement ` +
        "with { replace: true } or leave the op type out of options.opTypes.",
    );
  }
  return registered.delete(opType);
}
