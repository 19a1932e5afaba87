/**
 * LayerNorm fusion: the decomposed form exporters write,
 * `ReduceMean → Sub → Pow(2) → ReduceMean → Add(ε) → Sqrt → Div → Mul(γ) → Add(β)` over the last
 * axis, becomes one ONNX `LayerNormalization` (opset 17; the model's opset is raised to 17 when
 * it is 13–16, which changes no op the kit's models use).
 *
 * @module
 */

import { attr, getAttribute, type Model, type Node } from "../../onnx/mod.ts";
import { FusionContext } from "../fusion_context.ts";
import {
  consumersOf,
  intsAttr,
  near,
  onlyUsedWithin,
  otherInput,
  producerOf,
  scalarOf,
  soleConsumer,
  vectorOf,
} from "../pattern.ts";
import type { FusionPass, PassResult } from "../types.ts";

/** Ops whose meaning changes between opsets 13 and 17 (raising the opset would change them). */
const OPSET_SENSITIVE = new Set(["RoiAlign"]);

/**
 * The `layer-norm` pass.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildDistilBert, DISTILBERT_BASE } from "../../model/mod.ts";
 * import { layerNorm } from "./layer_norm.ts";
 * const config = { ...DISTILBERT_BASE, vocabSize: 30, dim: 8, nLayers: 1, nHeads: 2, hiddenDim: 16, maxPositionEmbeddings: 8 };
 * const { model, matches } = layerNorm.run(buildDistilBert(config, { seed: 1 }));
 * assert.equal(matches.length, 3); // embeddings, sa_layer_norm, output_layer_norm
 * assert.equal(model.graph.nodes.filter((n) => n.opType === "LayerNormalization").length, 3);
 * ```
 */
export const layerNorm: FusionPass = {
  name: "layer-norm",
  description: "Decomposed LayerNorm (ReduceMean/Sub/Pow/ReduceMean/Add/Sqrt/Div/Mul/Add over " +
    "the last axis) → ONNX LayerNormalization (opset 17).",
  produces: ["LayerNormalization"],
  requires: [],
  run: fuseLayerNorms,
};

function fuseLayerNorms(model: Model): PassResult {
  const ctx = new FusionContext(model);
  if (ctx.opset < 13) {
    ctx.note(`opset ${ctx.opset} < 13: re-export with opset ≥ 13 to fuse LayerNorm`);
    return ctx.finish();
  }
  const sensitive = ctx.graph.nodes.find((n) => n.domain === "" && OPSET_SENSITIVE.has(n.opType));
  if (ctx.opset < 17 && sensitive) {
    ctx.note(
      `opset ${ctx.opset} and node "${sensitive.name}" (${sensitive.opType}), whose ` +
        `meaning changes by opset 17: not raising the opset, LayerNorm left decomposed`,
    );
    return ctx.finish();
  }
  for (const node of [...ctx.graph.nodes]) {
    if (node.opType !== "ReduceMean" || node.domain !== "" || ctx.isClaimed(node)) continue;
    const m = match(ctx, node);
    if (!m || !ctx.claim(m.nodes)) continue;
    const ln = ctx.addNode({
      opType: "LayerNormalization",
      inputs: m.beta ? [m.x, m.gamma, m.beta] : [m.x, m.gamma],
      outputs: [m.output],
      attributes: { axis: attr.int(-1), epsilon: attr.float(m.epsilon) },
      replaces: m.nodes,
    });
    ctx.remove(m.nodes);
    ctx.record({
      nodes: m.nodes.map((n) => n.name),
      replacement: [ln.name],
      detail: `ε ${m.epsilon.toPrecision(3)}`,
    });
  }
  if (ctx.matches.length > 0 && ctx.opset < 17) raiseOpset(ctx);
  return ctx.finish();
}

interface LayerNormMatch {
  nodes: Node[];
  x: string;
  gamma: string;
  beta?: string;
  epsilon: number;
  output: string;
}

function match(ctx: FusionContext, mean: Node): LayerNormMatch | undefined {
  const x = mean.inputs[0];
  if (!lastAxisMean(ctx, mean, x)) return undefined;
  const sub = consumersOf(ctx, mean.outputs[0]).find((n) =>
    n.opType === "Sub" && n.inputs[0] === x && n.inputs[1] === mean.outputs[0]
  );
  if (!sub) return undefined;
  const readers = consumersOf(ctx, sub.outputs[0]);
  const pow = readers.find((n) =>
    (n.opType === "Pow" && n.inputs[0] === sub.outputs[0] && near(scalarOf(ctx, n.inputs[1]), 2)) ||
    (n.opType === "Mul" && n.inputs[0] === sub.outputs[0] && n.inputs[1] === sub.outputs[0])
  );
  const div = readers.find((n) => n.opType === "Div" && n.inputs[0] === sub.outputs[0]);
  if (!pow || !div || readers.length !== 2) return undefined;
  const variance = soleConsumer(ctx, pow.outputs[0]);
  if (variance?.opType !== "ReduceMean" || !lastAxisMean(ctx, variance, pow.outputs[0])) {
    return undefined;
  }
  const addEps = soleConsumer(ctx, variance.outputs[0]);
  const epsValue = addEps?.opType === "Add" ? otherInput(addEps, variance.outputs[0]) : undefined;
  const epsilon = epsValue ? scalarOf(ctx, epsValue) : undefined;
  if (!addEps || epsilon === undefined || epsilon < 0) return undefined;
  const sqrt = soleConsumer(ctx, addEps.outputs[0]);
  if (sqrt?.opType !== "Sqrt" || producerOf(ctx, div.inputs[1], "Sqrt") !== sqrt) return undefined;
  const dim = ctx.facts.shape(x)?.at(-1);
  const n = typeof dim === "number" ? dim : undefined;
  const mul = soleConsumer(ctx, div.outputs[0]);
  const gamma = mul?.opType === "Mul" ? otherInput(mul, div.outputs[0]) : undefined;
  if (!mul || !gamma || !vectorOf(ctx, gamma, n)) return undefined;
  const addBeta = soleConsumer(ctx, mul.outputs[0]);
  const beta = addBeta?.opType === "Add" ? otherInput(addBeta, mul.outputs[0]) : undefined;
  const hasBeta = !!beta && !!vectorOf(ctx, beta, vectorOf(ctx, gamma)!.length);
  const nodes = [mean, sub, pow, variance, addEps, sqrt, div, mul, ...(hasBeta ? [addBeta!] : [])];
  const last = nodes[nodes.length - 1];
  if (!onlyUsedWithin(ctx, nodes.filter((n) => n !== last), nodes)) return undefined;
  return {
    nodes,
    x,
    gamma,
    ...(hasBeta ? { beta } : {}),
    epsilon,
    output: last.outputs[0],
  };
}

/** A ReduceMean over exactly the last axis of `input`, keeping dims. */
function lastAxisMean(ctx: FusionContext, node: Node, input: string): boolean {
  if (node.inputs[0] !== input || getAttribute(node, "keepdims", "int", 1) !== 1) return false;
  const axes = node.inputs[1]
    ? ctx.facts.value(node.inputs[1]) as number[] | undefined
    : intsAttr(node, "axes");
  if (!axes || axes.length !== 1) return false;
  const rank = ctx.facts.shape(input)?.length;
  return axes[0] === -1 || (rank !== undefined && axes[0] === rank - 1);
}

function raiseOpset(ctx: FusionContext): void {
  const from = ctx.opset;
  for (const o of ctx.model.opsetImports) {
    if (o.domain === "" || o.domain === "ai.onnx") o.version = 17;
  }
  ctx.model.irVersion = Math.max(ctx.model.irVersion, 8);
  ctx.note(`opset raised from ${from} to 17 for LayerNormalization`);
}
