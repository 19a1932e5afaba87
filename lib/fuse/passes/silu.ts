/**
 * SiLU fusion: `x · sigmoid(x)` (SiLU/Swish, as exporters write it) becomes ONNX Runtime's
 * `com.microsoft.QuickGelu` with `alpha = 1` — QuickGelu computes `x · sigmoid(alpha · x)`, so
 * with alpha 1 it is exactly SiLU, in one pass over memory instead of two.
 *
 * @module
 */

import { attr, type Model, MS_DOMAIN } from "../../onnx/mod.ts";
import { FusionContext } from "../fusion_context.ts";
import { otherInput, soleConsumer } from "../pattern.ts";
import type { FusionPass, PassResult } from "../types.ts";

/**
 * The `silu` pass.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildTinyCnn } from "../tiny_cnn.ts";
 * import { silu } from "./silu.ts";
 * const { model, matches } = silu.run(buildTinyCnn({ seed: 1 }));
 * assert.equal(matches.length, 1);
 * assert.equal(model.graph.nodes.some((n) => n.opType === "Sigmoid"), false);
 * ```
 */
export const silu: FusionPass = {
  name: "silu",
  description: "Mul(x, Sigmoid(x)) → com.microsoft QuickGelu(alpha = 1), which is SiLU.",
  produces: ["com.microsoft:QuickGelu"],
  requires: [],
  run: fuseSilus,
};

function fuseSilus(model: Model): PassResult {
  const ctx = new FusionContext(model);
  for (const sigmoid of [...ctx.graph.nodes]) {
    if (sigmoid.opType !== "Sigmoid" || sigmoid.domain !== "" || ctx.isClaimed(sigmoid)) continue;
    const x = sigmoid.inputs[0];
    const mul = soleConsumer(ctx, sigmoid.outputs[0]);
    if (mul?.opType !== "Mul" || otherInput(mul, sigmoid.outputs[0]) !== x) continue;
    if (!ctx.claim([sigmoid, mul])) continue;
    const node = ctx.addNode({
      opType: "QuickGelu",
      domain: MS_DOMAIN,
      inputs: [x],
      outputs: [mul.outputs[0]],
      attributes: { alpha: attr.float(1) },
      replaces: [sigmoid, mul],
    });
    ctx.remove([sigmoid, mul]);
    ctx.record({ nodes: [sigmoid.name, mul.name], replacement: [node.name] });
  }
  return ctx.finish();
}
