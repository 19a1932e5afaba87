/**
 * GELU fusion: the exact (Erf) GELU exporters write, `x · 0.5 · (1 + erf(x / √2))` in any of its
 * usual arrangements, becomes ONNX Runtime's `com.microsoft.Gelu`.
 *
 * @module
 */

import type { Model, Node } from "../../onnx/mod.ts";
import { FusionContext } from "../fusion_context.ts";
import {
  near,
  onlyUsedWithin,
  otherInput,
  producerOf,
  scalarOf,
  soleConsumer,
} from "../pattern.ts";
import type { FusionPass, PassResult } from "../types.ts";
import { MS_DOMAIN } from "../../onnx/mod.ts";

/**
 * The `gelu` pass.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildDistilBert, DISTILBERT_BASE } from "../../model/mod.ts";
 * import { gelu } from "./gelu.ts";
 * const config = { ...DISTILBERT_BASE, vocabSize: 30, dim: 8, nLayers: 2, nHeads: 2, hiddenDim: 16, maxPositionEmbeddings: 8 };
 * const { model, matches } = gelu.run(buildDistilBert(config, { seed: 1 }));
 * assert.equal(matches.length, 2);
 * assert.equal(model.graph.nodes.some((n) => n.opType === "Erf"), false);
 * ```
 */
export const gelu: FusionPass = {
  name: "gelu",
  description: "Erf-decomposed GELU (Div(√2)/Erf/Add(1)/Mul/Mul(0.5)) → com.microsoft Gelu.",
  produces: ["com.microsoft:Gelu"],
  requires: [],
  run: fuseGelus,
};

function fuseGelus(model: Model): PassResult {
  const ctx = new FusionContext(model);
  for (const erf of [...ctx.graph.nodes]) {
    if (erf.opType !== "Erf" || erf.domain !== "" || ctx.isClaimed(erf)) continue;
    const m = match(ctx, erf);
    if (!m || !ctx.claim(m.nodes)) continue;
    const node = ctx.addNode({
      opType: "Gelu",
      domain: MS_DOMAIN,
      inputs: [m.x],
      outputs: [m.output],
      replaces: m.nodes,
    });
    ctx.remove(m.nodes);
    ctx.record({ nodes: m.nodes.map((n) => n.name), replacement: [node.name] });
  }
  return ctx.finish();
}

function match(ctx: FusionContext, erf: Node) {
  // x / √2 or x · (1/√2)
  const scale = producerOf(ctx, erf.inputs[0], ["Div", "Mul"]);
  if (!scale) return undefined;
  const x = scale.inputs[0];
  const c = scalarOf(ctx, scale.inputs[1]);
  if (!(scale.opType === "Div" ? near(c, Math.SQRT2) : near(c, Math.SQRT1_2))) return undefined;
  const addOne = soleConsumer(ctx, erf.outputs[0]);
  const one = addOne?.opType === "Add" ? otherInput(addOne, erf.outputs[0]) : undefined;
  if (!addOne || !one || !near(scalarOf(ctx, one), 1)) return undefined;
  const mul = soleConsumer(ctx, addOne.outputs[0]);
  if (mul?.opType !== "Mul") return undefined;
  const other = otherInput(mul, addOne.outputs[0]);
  if (!other) return undefined;
  let nodes: Node[];
  let output: string;
  if (other === x) {
    // (x · (1 + erf)) · 0.5
    const half = soleConsumer(ctx, mul.outputs[0]);
    const h = half?.opType === "Mul" ? otherInput(half, mul.outputs[0]) : undefined;
    if (!half || !h || !near(scalarOf(ctx, h), 0.5)) return undefined;
    nodes = [scale, erf, addOne, mul, half];
    output = half.outputs[0];
  } else {
    // (x · 0.5) · (1 + erf)
    const half = producerOf(ctx, other, "Mul");
    const h = half ? otherInput(half, x) : undefined;
    if (!half || !h || !near(scalarOf(ctx, h), 0.5)) return undefined;
    nodes = [scale, erf, addOne, half, mul];
    output = mul.outputs[0];
  }
  const last = nodes.find((n) => n.outputs[0] === output)!;
  if (!onlyUsedWithin(ctx, nodes.filter((n) => n !== last), nodes)) return undefined;
  return { nodes, x, output };
}
