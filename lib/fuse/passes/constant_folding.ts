/**
 * Constant folding: nodes whose inputs are all constants are evaluated in TypeScript and replaced
 * by initializers holding their results; `Constant` nodes become initializers; `Shape` (and
 * `Size`) of a value whose shape is fully known becomes a constant.
 *
 * @module
 */

import { foldNode, type Node, type Tensor, topologicalSort } from "../../onnx/mod.ts";
import { FusionContext } from "../fusion_context.ts";
import type { FusionPass, PassResult } from "../types.ts";

/**
 * The `constant-folding` pass.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createModel, DataType, GraphBuilder } from "../../onnx/mod.ts";
 * import { constantFolding } from "./constant_folding.ts";
 * const b = new GraphBuilder();
 * const x = b.input("x", DataType.FLOAT, ["n", 4]);
 * const shape = b.op("Concat", [
 *   b.constant("a", DataType.INT64, [1], [-1]),
 *   b.constant("b", DataType.INT64, [1], [2]),
 * ], { attributes: { axis: { type: "int", value: 0 } } });
 * b.output(b.op("Reshape", [x, shape]), DataType.FLOAT);
 * const { model, matches } = constantFolding.run(createModel(b.build()));
 * assert.deepEqual(model.graph.nodes.map((n) => n.opType), ["Reshape"]);
 * assert.equal(matches.length, 1);
 * ```
 */
export const constantFolding: FusionPass = {
  name: "constant-folding",
  description: "Evaluates subgraphs of constants (Shape of known shapes, Gather/Unsqueeze/Concat/" +
    "Cast/… of constants) in TypeScript and stores the results as initializers.",
  produces: [],
  requires: [],
  run: foldConstants,
};

function foldConstants(model: Parameters<FusionPass["run"]>[0]): PassResult {
  const ctx = new FusionContext(model);
  const known = new Map<string, Tensor>();
  for (const t of ctx.graph.initializers) {
    if (!ctx.index.isGraphInput(t.name)) known.set(t.name, t);
  }
  const replaced: Node[] = [];
  for (const node of topologicalSort(ctx.graph)) {
    if (node.outputs.some((o) => o && ctx.index.isGraphOutput(o))) continue;
    const results = foldNode(node, { constants: known, facts: ctx.facts });
    if (!results) continue;
    for (const t of results) {
      ctx.graph.initializers.push(t);
      known.set(t.name, t);
    }
    replaced.push(node);
    ctx.record({
      nodes: [node.name],
      replacement: [],
      detail: results.map((t) => `${t.name}: [${t.dims}]`).join(", "),
    });
  }
  ctx.remove(replaced);
  ctx.forgetValueInfo(replaced.flatMap((n) => n.outputs));
  return ctx.finish();
}
