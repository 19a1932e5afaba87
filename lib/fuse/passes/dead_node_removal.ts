/**
 * Dead-node removal: nodes that compute nothing (`Identity`, inference-mode `Dropout`, a `Cast`
 * to the type the value already has) are bypassed, then nodes whose outputs reach no graph
 * output and initializers nothing reads are dropped.
 *
 * @module
 */

import { getAttribute, type Model, type Node, removeDeadNodes } from "../../onnx/mod.ts";
import { FusionContext } from "../fusion_context.ts";
import type { FusionPass, PassResult } from "../types.ts";

/**
 * The `dead-node-removal` pass.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createModel, DataType, GraphBuilder } from "../../onnx/mod.ts";
 * import { deadNodeRemoval } from "./dead_node_removal.ts";
 * const b = new GraphBuilder();
 * const x = b.input("x", DataType.FLOAT, [2]);
 * b.op("Exp", [x]); // nobody reads it
 * b.output(b.op("Relu", [b.op("Identity", [x])]), DataType.FLOAT, [2]);
 * const { model, matches } = deadNodeRemoval.run(createModel(b.build()));
 * assert.deepEqual(model.graph.nodes.map((n) => n.opType), ["Relu"]);
 * assert.equal(matches.length, 2);
 * ```
 */
export const deadNodeRemoval: FusionPass = {
  name: "dead-node-removal",
  description: "Bypasses no-op nodes (Identity, inference Dropout, Cast to the same type) and " +
    "removes nodes whose results reach no graph output.",
  produces: [],
  requires: [],
  run: removeDead,
};

function removeDead(model: Model): PassResult {
  const ctx = new FusionContext(model);
  const bypassed: Node[] = [];
  for (const node of ctx.graph.nodes) {
    if (!isNoOp(ctx, node)) continue;
    const [out] = node.outputs;
    if (ctx.index.isGraphOutput(out)) continue;
    ctx.rewire(out, node.inputs[0]);
    bypassed.push(node);
    ctx.record({ nodes: [node.name], replacement: [], detail: `no-op ${node.opType}` });
  }
  ctx.remove(bypassed);
  const before = new Set(ctx.graph.nodes.filter((n) => !bypassed.includes(n)));
  ctx.graph.nodes = [...before];
  removeDeadNodes(ctx.graph);
  const kept = new Set(ctx.graph.nodes);
  for (const node of before) {
    if (!kept.has(node)) ctx.record({ nodes: [node.name], replacement: [], detail: "unused" });
  }
  return ctx.finish();
}

function isNoOp(ctx: FusionContext, node: Node): boolean {
  if (node.domain !== "" || !node.inputs[0]) return false;
  switch (node.opType) {
    case "Identity":
      return true;
    case "Dropout":
      return !node.inputs[2] && !node.outputs.slice(1).some((o) => o && isRead(ctx, o));
    case "Cast": {
      const from = ctx.facts.elemType(node.inputs[0]);
      return from !== 0 && from === getAttribute(node, "to", "int");
    }
    default:
      return false;
  }
}

function isRead(ctx: FusionContext, value: string): boolean {
  return ctx.index.consumers(value).length > 0 || ctx.index.isGraphOutput(value);
}
