/**
 * Conv + activation → `com.microsoft.FusedConv`: the activation is applied as the convolution
 * writes its output. FusedConv supports Relu, Tanh, Sigmoid, LeakyRelu, Clip and HardSigmoid
 * (ONNX Runtime's fused activations); SiLU is not among them — see the `silu` pass.
 *
 * @module
 */

import { attr, getAttribute, type Model, MS_DOMAIN, type Node } from "../../onnx/mod.ts";
import { FusionContext } from "../fusion_context.ts";
import { producerOf, scalarOf, soleConsumer } from "../pattern.ts";
import type { FusionPass, PassResult } from "../types.ts";

const FLOAT_MAX = 3.4028234663852886e38;

/**
 * The `conv-activation` pass.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildTinyCnn } from "../tiny_cnn.ts";
 * import { convActivation } from "./conv_activation.ts";
 * const { matches } = convActivation.run(buildTinyCnn({ seed: 1, batchNorm: false }));
 * assert.deepEqual(matches.map((m) => m.detail), ["Relu", "Relu"]);
 * ```
 */
export const convActivation: FusionPass = {
  name: "conv-activation",
  description: "Conv + Relu/Tanh/Sigmoid/LeakyRelu/Clip/HardSigmoid → com.microsoft FusedConv.",
  produces: ["com.microsoft:FusedConv"],
  requires: ["conv-batchnorm"],
  run: fuseConvActivations,
};

/** The FusedConv `activation_params` of an activation node, or `undefined` if unsupported. */
function activationParams(ctx: FusionContext, act: Node): number[] | undefined {
  switch (act.opType) {
    case "Relu":
    case "Tanh":
    case "Sigmoid":
      return [];
    case "LeakyRelu":
      return [getAttribute(act, "alpha", "float", 0.01)];
    case "HardSigmoid":
      return [getAttribute(act, "alpha", "float", 0.2), getAttribute(act, "beta", "float", 0.5)];
    case "Clip": {
      if (ctx.opset < 11) {
        return [
          getAttribute(act, "min", "float", -FLOAT_MAX),
          getAttribute(act, "max", "float", FLOAT_MAX),
        ];
      }
      const min = act.inputs[1] ? scalarOf(ctx, act.inputs[1]) : -FLOAT_MAX;
      const max = act.inputs[2] ? scalarOf(ctx, act.inputs[2]) : FLOAT_MAX;
      return min === undefined || max === undefined ? undefined : [min, max];
    }
    default:
      return undefined;
  }
}

function fuseConvActivations(model: Model): PassResult {
  const ctx = new FusionContext(model);
  for (const act of [...ctx.graph.nodes]) {
    if (act.domain !== "" || ctx.isClaimed(act)) continue;
    const params = activationParams(ctx, act);
    const conv = params ? producerOf(ctx, act.inputs[0], "Conv") : undefined;
    if (!conv || soleConsumer(ctx, conv.outputs[0]) !== act || !ctx.claim([conv, act])) continue;
    const fused = ctx.addNode({
      opType: "FusedConv",
      domain: MS_DOMAIN,
      inputs: conv.inputs,
      outputs: [act.outputs[0]],
      attributes: {
        ...conv.attributes,
        activation: attr.string(act.opType),
        ...(params!.length > 0 ? { activation_params: attr.floats(params!) } : {}),
      },
      replaces: [conv, act],
    });
    ctx.remove([conv, act]);
    ctx.record({ nodes: [conv.name, act.name], replacement: [fused.name], detail: act.opType });
  }
  return ctx.finish();
}
