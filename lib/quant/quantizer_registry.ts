/**
 * The quantizer registry: one {@link OpQuantizer} per op type, each in its own file
 * (`op_matmul.ts`, `op_gemm.ts`, `op_gather.ts`), as ONNX Runtime's quantization tool organizes
 * its operator quantizers. Adding an op means writing one quantizer and registering it: for
 * every quantization of the process with `registerOpQuantizer` (`builtin_quantizers.ts`), or
 * for one call in a registry given as `options.registry`.
 *
 * @module
 */

import type { GraphIndex, Node } from "../onnx/mod.ts";
import type { QuantContext } from "./quant_context.ts";
import type { ResolvedQuantOptions } from "./options.ts";

/** What a quantizer did with a node: quantized it (and how), or left it FP32 (and why). */
export type QuantOutcome =
  | { quantized: true; scheme: string }
  | { quantized: false; reason: string };

/** A read-only view of the model for planning (calibration targets). */
export interface QuantPlanView {
  index: GraphIndex;
  options: ResolvedQuantOptions;
}

/** Quantizes the nodes of one op type. */
export interface OpQuantizer {
  /** The ONNX op type (default domain) it handles. */
  readonly opType: string;
  /**
   * The float activations static quantization of `node` needs ranges for (what calibration
   * records); empty when the node would not be quantized.
   */
  activationInputs(node: Node, view: QuantPlanView): string[];
  /** Rewrites `node` through `ctx`, or says why it stays FP32. */
  quantize(node: Node, ctx: QuantContext): QuantOutcome;
}

/** A duplicate or missing registration; the message names the op type. */
export class QuantizerRegistryError extends Error {
  override name = "QuantizerRegistryError";
}

/**
 * Op type → quantizer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { QuantizerRegistry } from "./quantizer_registry.ts";
 * const registry = new QuantizerRegistry([{
 *   opType: "Relu",
 *   activationInputs: () => [],
 *   quantize: () => ({ quantized: false, reason: "nothing to gain" }),
 * }]);
 * assert.deepEqual(registry.opTypes(), ["Relu"]);
 * assert.equal(registry.get("MatMul"), undefined);
 * ```
 */
export class QuantizerRegistry {
  readonly #quantizers = new Map<string, OpQuantizer>();

  constructor(quantizers: Iterable<OpQuantizer> = []) {
    for (const q of quantizers) this.register(q);
  }

  /** Adds a quantizer; throws when its op type already has one (use `replace`). */
  register(quantizer: OpQuantizer): this {
    if (this.#quantizers.has(quantizer.opType)) {
      throw new QuantizerRegistryError(
        `A quantizer for ${quantizer.opType} is already registered; call replace() to swap it.`,
      );
    }
    this.#quantizers.set(quantizer.opType, quantizer);
    return this;
  }

  /** Adds or swaps the quantizer of its op type. */
  replace(quantizer: OpQuantizer): this {
    this.#quantizers.set(quantizer.opType, quantizer);
    return this;
  }

  /** Removes the quantizer of `opType`; returns whether there was one. */
  delete(opType: string): boolean {
    return this.#quantizers.delete(opType);
  }

  get(opType: string): OpQuantizer | undefined {
    return this.#quantizers.get(opType);
  }

  /** The quantizers, in registration order. */
  quantizers(): OpQuantizer[] {
    return [...this.#quantizers.values()];
  }

  opTypes(): string[] {
    return [...this.#quantizers.keys()];
  }
}
