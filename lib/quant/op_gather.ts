/**
 * The `Gather` quantizer: an embedding lookup (`Gather` on axis 0 of a constant 2-D float table)
 * reads rows of an int8 table and dequantizes only the rows it gathered —
 * `Gather(table_q, ids) → DequantizeLinear` — in every approach and format. (A QDQ
 * `DequantizeLinear(table) → Gather` would dequantize the whole table on every run: ORT does not
 * constant-fold it.) Per-channel scales are per hidden unit (the table's columns), which is
 * where BERT-style embeddings keep their outlier dimensions.
 *
 * @module
 */

import { attr, getAttribute } from "../onnx/mod.ts";
import { perAxisOpset } from "./emit_linear.ts";
import type { OpQuantizer } from "./quantizer_registry.ts";

/**
 * The registry entry for `Gather`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gatherQuantizer } from "./op_gather.ts";
 * assert.equal(gatherQuantizer.opType, "Gather");
 * ```
 */
export const gatherQuantizer: OpQuantizer = {
  opType: "Gather",
  activationInputs: () => [],
  quantize(node, ctx) {
    const [data, indices] = node.inputs;
    const table = ctx.floatConstant(data);
    if (!table) return { quantized: false, reason: "data is not a constant float table" };
    if (!ctx.options.quantizeEmbeddings) {
      return { quantized: false, reason: "quantizeEmbeddings is off" };
    }
    if (getAttribute(node, "axis", "int", 0) !== 0 || table.dims.length !== 2) {
      return { quantized: false, reason: "not an embedding lookup (2-D table, axis 0)" };
    }
    if (ctx.options.perChannel && ctx.opset < 13) return perAxisOpset(ctx);
    const w = ctx.weight(data, { axis: 1 });
    const [rows] = ctx.addNode("Gather", [w.data, indices], {
      name: `${node.name}_quantized`,
      freshOutputs: [`${node.outputs[0]}_quantized`],
      attributes: { axis: attr.int(0) },
    });
    ctx.addNode("DequantizeLinear", [rows, w.scale, w.zeroPoint], {
      name: `${node.name}_DequantizeLinear`,
      outputs: [node.outputs[0]],
      attributes: w.axis !== undefined ? { axis: attr.int(-1) } : undefined,
    });
    ctx.remove([node]);
    const sym = ctx.options.weightSymmetric ? "symmetric" : "asymmetric";
    return {
      quantized: true,
      scheme: `Gather on the ${w.type} table → DequantizeLinear; table ${w.type} ` +
        `${w.axis !== undefined ? "per hidden unit" : "per-tensor"} ${sym}`,
    };
  },
};
