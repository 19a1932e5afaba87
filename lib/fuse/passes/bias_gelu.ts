/**
 * Bias-GELU fusion: `Gelu(Add(x, bias))` with a constant 1-D bias over the last axis (a Linear's
 * bias, the MatMul staying as it is) becomes ONNX Runtime's `com.microsoft.BiasGelu`.
 *
 * @module
 */

import type { Model } from "../../onnx/mod.ts";
import { FusionContext } from "../fusion_context.ts";
import { lastDim, otherInput, producerOf, soleConsumer, vectorOf } from "../pattern.ts";
import type { FusionPass, PassResult } from "../types.ts";
import { MS_DOMAIN } from "../../onnx/mod.ts";

/**
 * The `bias-gelu` pass.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildDistilBert, DISTILBERT_BASE } from "../../model/mod.ts";
 * import { biasGelu } from "./bias_gelu.ts";
 * import { gelu } from "./gelu.ts";
 * const config = { ...DISTILBERT_BASE, vocabSize: 30, dim: 8, nLayers: 2, nHeads: 2, hiddenDim: 16, maxPositionEmbeddings: 8 };
 * const { matches } = biasGelu.run(gelu.run(buildDistilBert(config, { seed: 1 })).model);
 * assert.equal(matches.length, 2);
 * ```
 */
export const biasGelu: FusionPass = {
  name: "bias-gelu",
  description: "Add(bias) + Gelu → com.microsoft BiasGelu (the Linear's MatMul keeps its weight).",
  produces: ["com.microsoft:BiasGelu"],
  requires: ["gelu"],
  run: fuseBiasGelus,
};

function fuseBiasGelus(model: Model): PassResult {
  const ctx = new FusionContext(model);
  for (const g of [...ctx.graph.nodes]) {
    if (g.opType !== "Gelu" || g.domain !== MS_DOMAIN || ctx.isClaimed(g)) continue;
    const add = producerOf(ctx, g.inputs[0], "Add");
    if (!add || soleConsumer(ctx, add.outputs[0]) !== g) continue;
    const found = add.inputs.map((x) => ({ x, bias: otherInput(add, x) })).find(({ x, bias }) => {
      const n = lastDim(ctx, x);
      return !!bias && n !== undefined && !!vectorOf(ctx, bias, n) &&
        ctx.facts.sameShape(x, add.outputs[0]);
    });
    if (!found || !ctx.claim([add, g])) continue;
    const node = ctx.addNode({
      opType: "BiasGelu",
      domain: MS_DOMAIN,
      inputs: [found.x, found.bias!],
      outputs: [g.outputs[0]],
      replaces: [add, g],
    });
    ctx.remove([add, g]);
    ctx.record({ nodes: [add.name, g.name], replacement: [node.name] });
  }
  return ctx.finish();
}
