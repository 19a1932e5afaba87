/**
 * The `MatMul` quantizer. A MatMul with a constant 2-D weight is a linear layer: it is quantized
 * with its bias `Add` (when the only consumer adds a constant `[N]` vector) in the form of the
 * approach and format (see `emit_linear.ts`). A MatMul of two activations (attention scores and
 * context) is quantized only by static quantization with `quantizeActivationMatMuls`: the first
 * input as the activation type, the second as symmetric int8 so the product stays u8 × s8.
 *
 * @module
 */

import type { GraphIndex, Node, Tensor } from "../onnx/mod.ts";
import { attr, DataType, linearAt, MS_DOMAIN } from "../onnx/mod.ts";
import type { QuantContext } from "./quant_context.ts";
import { activationScheme, emitLinear, missingRange, scaleProduct } from "./emit_linear.ts";
import type { OpQuantizer, QuantOutcome } from "./quantizer_registry.ts";

/**
 * The registry entry for `MatMul`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { matMulQuantizer } from "./op_matmul.ts";
 * assert.equal(matMulQuantizer.opType, "MatMul");
 * ```
 */
export const matMulQuantizer: OpQuantizer = {
  opType: "MatMul",
  activationInputs(node, { index, options }) {
    const [a, b] = node.inputs;
    const wa = floatConstant(index, a);
    const wb = floatConstant(index, b);
    if (wb && !wa) return wb.dims.length === 2 ? [a] : [];
    if (!wa && !wb && options.quantizeActivationMatMuls) return [a, b];
    return [];
  },
  quantize(node, ctx) {
    const [a, b] = node.inputs;
    const wa = ctx.floatConstant(a);
    const wb = ctx.floatConstant(b);
    if (wa) {
      return { quantized: false, reason: "input A is a constant; ORT folds constant products" };
    }
    if (!wb) return quantizeActivationProduct(node, ctx);
    if (wb.dims.length !== 2) {
      return {
        quantized: false,
        reason: `weight "${b}" is ${wb.dims.length}-D; only 2-D weights are quantized`,
      };
    }
    const linear = linearAt(node, { index: ctx.index, skip: (n) => ctx.isRemoved(n) })!;
    const outcome = emitLinear(ctx, {
      node,
      input: a,
      weight: b,
      transposeWeight: false,
      bias: linear.bias?.value,
      output: linear.output,
      inputIs2d: false,
    });
    if (outcome.quantized) ctx.remove(linear.nodes);
    return outcome;
  },
};

function quantizeActivationProduct(node: Node, ctx: QuantContext): QuantOutcome {
  if (ctx.approach === "dynamic") {
    return {
      quantized: false,
      reason: "both inputs are activations; dynamic quantization covers constant weights only",
    };
  }
  if (!ctx.options.quantizeActivationMatMuls) {
    return {
      quantized: false,
      reason: "both inputs are activations and quantizeActivationMatMuls is off " +
        "(no speedup measured on ORT's CPU provider)",
    };
  }
  const [a, b] = node.inputs;
  for (const value of [a, b]) if (!ctx.range(value)) return missingRange(value);
  const x = ctx.staticActivation(a)!;
  const y = ctx.staticActivation(b, { type: "int8", symmetric: true })!;
  const out = node.outputs[0];
  if (ctx.options.format === "qdq") {
    ctx.addNode("MatMul", [ctx.dequantized(x, a), ctx.dequantized(y, b)], {
      name: node.name,
      outputs: [out],
    });
  } else if (x.type === "uint8") {
    ctx.addNode("MatMulIntegerToFloat", [
      x.data,
      y.data,
      x.scale,
      y.scale,
      x.zeroPoint,
      y.zeroPoint,
    ], {
      name: `${node.name}_MatMulIntegerToFloat`,
      outputs: [out],
      domain: MS_DOMAIN,
    });
  } else {
    const [acc] = ctx.addNode("MatMulInteger", [x.data, y.data, x.zeroPoint, y.zeroPoint], {
      name: `${node.name}_MatMulInteger`,
    });
    const [f] = ctx.addNode("Cast", [acc], {
      name: `${node.name}_Cast`,
      attributes: { to: attr.int(DataType.FLOAT) },
    });
    const scale = ctx.addInitializer(`${node.name}_scale`, DataType.FLOAT, [], scaleProduct(x, y));
    ctx.addNode("Mul", [f, scale], { name: `${node.name}_Mul`, outputs: [out] });
  }
  ctx.remove([node]);
  return {
    quantized: true,
    scheme:
      `${ctx.options.format === "qdq" ? "QDQ MatMul" : "integer MatMul"} of two activations; ` +
      `A ${activationScheme(x)}, B ${activationScheme(y)}`,
  };
}

function floatConstant(index: GraphIndex, value: string): Tensor | undefined {
  const t = value ? index.constant(value) : undefined;
  return t?.dataType === DataType.FLOAT ? t : undefined;
}
