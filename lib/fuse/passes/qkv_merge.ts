/**
 * Q/K/V merge: Linears that read the same input (the Q, K and V projections of attention) become
 * one MatMul with their weights concatenated column-wise (+ one bias Add), then a `Split` back
 * into the three results. One larger matrix product uses the cores better than three small ones,
 * and the weight stays a MatMul constant, so a quantizer still quantizes it.
 *
 * @module
 */

import {
  attr,
  DataType,
  type Linear,
  matMulWeight,
  type Model,
  type Node,
} from "../../onnx/mod.ts";
import { FusionContext } from "../fusion_context.ts";
import { soleConsumer } from "../pattern.ts";
import type { FusionPass, PassResult } from "../types.ts";
import { concatBiases, concatColumns, mergedName } from "../merge_weights.ts";

/**
 * The `qkv-merge` pass.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildDistilBert, DISTILBERT_BASE } from "../../model/mod.ts";
 * import { qkvMerge } from "./qkv_merge.ts";
 * const config = { ...DISTILBERT_BASE, vocabSize: 30, dim: 8, nLayers: 1, nHeads: 2, hiddenDim: 16, maxPositionEmbeddings: 8 };
 * const { model, matches } = qkvMerge.run(buildDistilBert(config, { seed: 1 }));
 * assert.equal(matches.length, 1);
 * assert.ok(model.graph.initializers.some((t) => t.name === "distilbert.transformer.layer.0.attention.qkv.weight"));
 * ```
 */
export const qkvMerge: FusionPass = {
  name: "qkv-merge",
  description: "Linears sharing one input (Q, K, V) → one MatMul with concatenated weights " +
    "(+ one bias Add), then Split.",
  produces: ["MatMul", "Split"],
  requires: [],
  run: mergeLinears,
};

function mergeLinears(model: Model): PassResult {
  const ctx = new FusionContext(model);
  const groups = new Map<string, Linear[]>();
  for (const node of ctx.graph.nodes) {
    if (node.opType !== "MatMul" || node.domain !== "" || !matMulWeight(ctx.index, node)) continue;
    const next = soleConsumer(ctx, node.outputs[0]);
    const linear = (next?.opType === "Add" ? ctx.linearProducing(next.outputs[0]) : undefined) ??
      ctx.linearProducing(node.outputs[0]);
    if (!linear || linear.node !== node || (ctx.facts.shape(linear.input)?.length ?? 0) < 2) {
      continue;
    }
    const list = groups.get(linear.input) ?? [];
    list.push(linear);
    groups.set(linear.input, list);
  }
  for (const [x, all] of groups) {
    const rows = all[0].weight.dims[0];
    const biased = all.filter((l) => l.bias && l.weight.dims[0] === rows);
    const plain = all.filter((l) => !l.bias && l.weight.dims[0] === rows);
    for (const group of [biased, plain]) {
      if (group.length >= 2 && ctx.claim(group.flatMap((l) => l.nodes))) merge(ctx, x, group);
    }
  }
  return ctx.finish();
}

function merge(ctx: FusionContext, x: string, group: Linear[]): void {
  const nodes: Node[] = group.flatMap((l) => l.nodes);
  const names = group.map((l) => l.weightName);
  const widths = group.map((l) => l.weight.dims[1]);
  const total = widths.reduce((a, b) => a + b, 0);
  const weight = ctx.addInitializer(
    mergedName(names, nodes, "qkv.weight"),
    DataType.FLOAT,
    [group[0].weight.dims[0], total],
    concatColumns(group.map((l) => l.weight)),
  );
  const matmulOut = ctx.newValue(`${mergedName(names, nodes, "qkv")}/MatMul_output_0`);
  const added = [
    ctx.addNode({ opType: "MatMul", inputs: [x, weight], outputs: [matmulOut], replaces: nodes }),
  ];
  let merged = matmulOut;
  if (group[0].bias) {
    const bias = ctx.addInitializer(
      mergedName(names, nodes, "qkv.bias"),
      DataType.FLOAT,
      [total],
      concatBiases(group),
    );
    merged = ctx.newValue(`${mergedName(names, nodes, "qkv")}/Add_output_0`);
    added.push(
      ctx.addNode({ opType: "Add", inputs: [matmulOut, bias], outputs: [merged], replaces: nodes }),
    );
  }
  const splitInputs = [merged];
  const attributes: Node["attributes"] = { axis: attr.int(-1) };
  if (ctx.opset >= 13) {
    splitInputs.push(
      ctx.addInitializer(`${mergedName(names, nodes, "qkv")}/split`, DataType.INT64, [
        widths.length,
      ], widths),
    );
  } else attributes.split = attr.ints(widths);
  added.push(ctx.addNode({
    opType: "Split",
    inputs: splitInputs,
    outputs: group.map((l) => l.output),
    attributes,
    replaces: nodes,
  }));
  ctx.remove(nodes);
  ctx.record({
    nodes: nodes.map((n) => n.name),
    replacement: added.map((n) => n.name),
    detail: `${group.length} × [${group[0].weight.dims[0]}, ${widths[0]}] → [${
      group[0].weight.dims[0]
    }, ${total}]`,
  });
}
