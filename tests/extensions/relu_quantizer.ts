/**
 * An example op quantizer written outside `lib/`: static QDQ quantization of `Relu`'s input
 * (`Relu(DequantizeLinear(QuantizeLinear(x)))`), from its calibrated range.
 *
 * @module
 */

import type { OpQuantizer } from "../../lib/quant/mod.ts";

/**
 * The `Relu` quantizer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { reluQuantizer } from "./relu_quantizer.ts";
 * assert.equal(reluQuantizer.opType, "Relu");
 * ```
 */
export const reluQuantizer: OpQuantizer = {
  opType: "Relu",
  activationInputs(node) {
    return [node.inputs[0]];
  },
  quantize(node, ctx) {
    if (ctx.approach !== "static") {
      return { quantized: false, reason: "Relu is quantized by static quantization only" };
    }
    if (ctx.options.format !== "qdq") {
      return { quantized: false, reason: "Relu has no QOperator form; use format qdq" };
    }
    const x = node.inputs[0];
    const q = ctx.staticActivation(x);
    if (!q) return { quantized: false, reason: `no calibrated range for "${x}"` };
    ctx.addNode("Relu", [ctx.dequantized(q, x)], { name: node.name, outputs: node.outputs });
    ctx.remove([node]);
    return { quantized: true, scheme: `QDQ Relu, input ${q.type}` };
  },
};
