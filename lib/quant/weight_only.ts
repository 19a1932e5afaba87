/**
 * Weight-only quantization: the weights of linear layers stored in 4 or 8 bits (activations stay
 * float), as `MatMulNBits` (block-wise, RTN or GPTQ) or `MatMulBnb4` (NF4/FP4), and optionally the
 * embedding tables as `GatherBlockQuantized` — the formats transformers.js calls `q4`, `q4f16`
 * and `bnb4`. Runs the same pass as dynamic and static quantization, with these quantizers in
 * its registry, so the report says what was quantized and why the rest was not.
 *
 * @module
 */

import type { Model } from "../onnx/mod.ts";
import { resolveQuantOptions } from "./options.ts";
import { quantizeModel, type QuantizeResult } from "./quant_pass.ts";
import { QuantizerRegistry } from "./quantizer_registry.ts";
import {
  gatherBlockQuantizer,
  matMulNBitsQuantizer,
  type WeightOnlyQuantizerOptions,
} from "./op_matmul_nbits.ts";
import { type Bnb4Options, matMulBnb4Quantizer } from "./op_matmul_bnb4.ts";
import { gatherQuantizer } from "./op_gather.ts";

/** Options of {@link quantizeWeightOnly}. */
export interface WeightOnlyOptions extends WeightOnlyQuantizerOptions {
  /** `"nbits"` (default, `MatMulNBits`) or `"bnb4"` (`MatMulBnb4`). */
  format?: "nbits" | "bnb4";
  /** `MatMulBnb4` options (format `"bnb4"`). */
  bnb4?: Bnb4Options;
  /**
   * Embedding tables: `"float"` (default, untouched), `"int8"` (the kit's int8 `Gather` +
   * `DequantizeLinear`) or `"q4"` (`GatherBlockQuantized`, 4-bit blocks of `blockSize`).
   */
  embeddings?: "float" | "int8" | "q4";
  /** Node names to leave as they are. */
  excludeNodes?: readonly string[];
}

/**
 * Quantizes the weights of `model`'s linear layers (and embeddings, if asked) and returns the new
 * model with its report; the input model is not changed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createModel, DataType, GraphBuilder } from "../onnx/mod.ts";
 * import { quantizeWeightOnly } from "./weight_only.ts";
 * const b = new GraphBuilder("linear");
 * const x = b.input("x", DataType.FLOAT, ["n", 32]);
 * const w = b.initializer("fc.weight", DataType.FLOAT, [32, 4], Array.from({ length: 128 }, (_, i) => Math.sin(i)));
 * b.output(b.op("MatMul", [x, w]), DataType.FLOAT, ["n", 4], { rename: "y" });
 * const { model, report } = quantizeWeightOnly(createModel(b.build()), { bits: 4, blockSize: 32 });
 * assert.deepEqual(model.graph.nodes.map((n) => n.opType), ["MatMulNBits"]);
 * assert.equal(report.counts.quantized, 1);
 * ```
 */
export function quantizeWeightOnly(model: Model, options: WeightOnlyOptions = {}): QuantizeResult {
  const matmul = options.format === "bnb4"
    ? matMulBnb4Quantizer(options.bnb4)
    : matMulNBitsQuantizer(options);
  const registry = new QuantizerRegistry([matmul]);
  const embeddings = options.embeddings ?? "float";
  if (embeddings === "q4") registry.register(gatherBlockQuantizer(options));
  if (embeddings === "int8") registry.register(gatherQuantizer);
  const opTypes = embeddings === "float" ? ["MatMul"] : ["MatMul", "Gather"];
  const result = quantizeModel(model, {
    approach: "dynamic",
    options: resolveQuantOptions("dynamic", { opTypes, excludeNodes: options.excludeNodes }),
    registry,
  });
  result.model.metadata = {
    ...result.model.metadata,
    quantization: JSON.stringify({
      approach: "weight-only",
      format: options.format ?? "nbits",
      bits: options.format === "bnb4" ? 4 : options.bits ?? 4,
      blockSize: options.format === "bnb4"
        ? options.bnb4?.blockSize ?? 64
        : options.blockSize ?? 32,
      method: options.method ?? "rtn",
      embeddings,
    }),
  };
  return result;
}
