/**
 * The `Gemm` quantizer: `Y = A · op(B) + C` with a constant 2-D `B`, `alpha = beta = 1` and no
 * `transA` is a linear layer (torch exports 2-D `nn.Linear` this way) and is quantized like a
 * MatMul with its bias (see `emit_linear.ts`); `transB` weights are stored transposed to `[K, N]`.
 *
 * @module
 */

import { DataType, getAttribute, type GraphIndex, type Node } from "../onnx/mod.ts";
import { emitLinear } from "./emit_linear.ts";
import type { OpQuantizer } from "./quantizer_registry.ts";

/**
 * The registry entry for `Gemm`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gemmQuantizer } from "./op_gemm.ts";
 * assert.equal(gemmQuantizer.opType, "Gemm");
 * ```
 */
export const gemmQuantizer: OpQuantizer = {
  opType: "Gemm",
  activationInputs(node, { index }) {
    return unsupported(node, index) ? [] : [node.inputs[0]];
  },
  quantize(node, ctx) {
    const why = unsupported(node, ctx.index);
    if (why) return { quantized: false, reason: why };
    const [a, b, c] = node.inputs;
    const outcome = emitLinear(ctx, {
      node,
      input: a,
      weight: b,
      transposeWeight: getAttribute(node, "transB", "int", 0) === 1,
      bias: c || undefined,
      output: node.outputs[0],
      inputIs2d: true,
    });
    if (outcome.quantized) ctx.remove([node]);
    return outcome;
  },
};

function unsupported(node: Node, index: GraphIndex): string | undefined {
  const [a, b, c] = node.inputs;
  if (getAttribute(node, "alpha", "float", 1) !== 1) return "alpha is not 1";
  if (getAttribute(node, "transA", "int", 0) !== 0) return "transA is set";
  const w = index.constant(b);
  if (!w || w.dataType !== DataType.FLOAT || w.dims.length !== 2) {
    return `B "${b}" is not a constant 2-D float weight`;
  }
  if (index.constant(a)) return "input A is a constant; ORT folds constant products";
  if (c) {
    const n = getAttribute(node, "transB", "int", 0) === 1 ? w.dims[0] : w.dims[1];
    const bias = index.constant(c);
    if (getAttribute(node, "beta", "float", 1) !== 1) return "beta is not 1";
    if (!bias || bias.dataType !== DataType.FLOAT || bias.data.length !== n) {
      return `C "${c}" is not a constant float bias of ${n} values`;
    }
  }
  return undefined;
}
