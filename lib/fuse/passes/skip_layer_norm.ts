/**
 * Skip-LayerNorm fusion: a residual `Add(x, skip)` read only by a `LayerNormalization` over the
 * last axis becomes ONNX Runtime's `com.microsoft.SkipLayerNormalization`; when one addend is a
 * Linear's `Add(MatMul, bias)`, that bias moves into the fused node too (the MatMul stays, with
 * its constant weight, so a quantizer still finds it).
 *
 * @module
 */

import {
  attr,
  getAttribute,
  type Model,
  MS_DOMAIN,
  type Node,
  type SymDim,
} from "../../onnx/mod.ts";
import { FusionContext } from "../fusion_context.ts";
import { otherInput, producerOf, soleConsumer, vectorOf } from "../pattern.ts";
import type { FusionPass, PassResult } from "../types.ts";

/**
 * The `skip-layer-norm` pass.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildDistilBert, DISTILBERT_BASE } from "../../model/mod.ts";
 * import { skipLayerNorm } from "./skip_layer_norm.ts";
 * const config = { ...DISTILBERT_BASE, vocabSize: 30, dim: 8, nLayers: 1, nHeads: 2, hiddenDim: 16, maxPositionEmbeddings: 8 };
 * const model = buildDistilBert(config, { seed: 1, layerNorm: "fused" });
 * const { matches } = skipLayerNorm.run(model);
 * assert.equal(matches.length, 3); // embeddings (broadcast skip), attention and FFN residuals
 * ```
 */
export const skipLayerNorm: FusionPass = {
  name: "skip-layer-norm",
  description: "Add(x, skip) [+ a preceding Linear's bias] + LayerNormalization → " +
    "com.microsoft SkipLayerNormalization.",
  produces: ["com.microsoft:SkipLayerNormalization"],
  requires: ["layer-norm"],
  run: fuseSkipLayerNorms,
};

function fuseSkipLayerNorms(model: Model): PassResult {
  const ctx = new FusionContext(model);
  for (const ln of [...ctx.graph.nodes]) {
    if (ln.opType !== "LayerNormalization" || ln.domain !== "" || ctx.isClaimed(ln)) continue;
    const m = match(ctx, ln);
    if (!m || !ctx.claim(m.nodes)) continue;
    const inputs = [m.input, m.skip, ln.inputs[1], ln.inputs[2] ?? "", m.bias ?? ""];
    while (inputs[inputs.length - 1] === "") inputs.pop();
    const fused = ctx.addNode({
      opType: "SkipLayerNormalization",
      domain: MS_DOMAIN,
      inputs,
      outputs: [ln.outputs[0]],
      attributes: { epsilon: attr.float(getAttribute(ln, "epsilon", "float", 1e-5)) },
      replaces: m.nodes,
    });
    ctx.remove(m.nodes);
    ctx.record({
      nodes: m.nodes.map((n) => n.name),
      replacement: [fused.name],
      detail: [m.bias ? "bias folded" : "", m.broadcast ? "broadcast skip" : ""]
        .filter(Boolean).join(", ") || undefined,
    });
  }
  return ctx.finish();
}

interface SkipMatch {
  nodes: Node[];
  input: string;
  skip: string;
  bias?: string;
  broadcast: boolean;
}

function match(ctx: FusionContext, ln: Node): SkipMatch | undefined {
  if (ln.outputs.length > 1 && ln.outputs.slice(1).some(Boolean)) return undefined;
  const add = producerOf(ctx, ln.inputs[0], "Add");
  if (!add || soleConsumer(ctx, add.outputs[0]) !== ln) return undefined;
  const axis = getAttribute(ln, "axis", "int", -1);
  const [a, b] = add.inputs;
  const sa = ctx.facts.shape(a);
  const sb = ctx.facts.shape(b);
  if (!sa || !sb || sa.length !== 3) return undefined;
  if (axis !== -1 && axis !== 2) return undefined;
  const hidden = sa[2];
  if (typeof hidden !== "number" || !vectorOf(ctx, ln.inputs[1], hidden)) return undefined;
  if (ln.inputs[2] && !vectorOf(ctx, ln.inputs[2], hidden)) return undefined;
  let input = a;
  let skip = b;
  let broadcast = false;
  if (!ctx.facts.sameShape(a, b)) {
    if (isBroadcastSkip(sb, sa)) broadcast = true;
    else if (sb.length === 3 && isBroadcastSkip(sa, sb)) [input, skip, broadcast] = [b, a, true];
    else return undefined;
  }
  const nodes = [add, ln];
  let bias: string | undefined;
  const linear = biasAdd(ctx, add, input, hidden) ??
    (broadcast ? undefined : biasAdd(ctx, add, skip, hidden));
  if (linear) {
    if (linear.value === skip) [input, skip] = [skip, input];
    input = linear.matmulOut;
    bias = linear.bias;
    nodes.unshift(linear.node);
  }
  return { nodes, input, skip, bias, broadcast };
}

/** `skip` of shape [1, S, D] or [S, D] against an input of shape [B, S, D]. */
function isBroadcastSkip(skip: SymDim[], input: SymDim[]): boolean {
  const tail = input.slice(1);
  if (skip.length === 2) return skip[0] === tail[0] && skip[1] === tail[1];
  return skip.length === 3 && skip[0] === 1 && skip[1] === tail[0] && skip[2] === tail[1];
}

/** `value = Add(MatMul(..), bias[hidden])` read only by the residual Add `residual`. */
function biasAdd(ctx: FusionContext, residual: Node, value: string, hidden: number) {
  const node = producerOf(ctx, value, "Add");
  if (!node || soleConsumer(ctx, value) !== residual) return undefined;
  for (const matmulOut of node.inputs) {
    const bias = otherInput(node, matmulOut);
    if (!bias || !vectorOf(ctx, bias, hidden)) continue;
    if (!producerOf(ctx, matmulOut, "MatMul")) continue;
    if (!ctx.facts.sameShape(matmulOut, value)) continue;
    return { node, value, matmulOut, bias };
  }
  return undefined;
}
