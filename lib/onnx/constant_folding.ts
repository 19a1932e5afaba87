/**
 * Constant folding of one node: a `Constant` node becomes its tensor, `Shape` (and `Size`) of a
 * value whose shape is fully known becomes a constant, and a node whose inputs are all constants
 * is evaluated in TypeScript (`constant_eval.ts`). Graph rewrites (the fusion pass
 * `constant-folding`, pruning) decide which nodes to replace by the results.
 *
 * @module
 */

import { canEvaluate, evaluateNode } from "./constant_eval.ts";
import { DataType } from "./data_type.ts";
import { outerReferences } from "./graph_index.ts";
import type { Node } from "./model.ts";
import { constantNodeTensor, type ShapeFacts } from "./shape_inference.ts";
import { createTensor, type Tensor } from "./tensor.ts";

/** What {@link foldNode} may read. */
export interface FoldContext {
  /** Values known to be constant (initializers that are not graph inputs, earlier folds). */
  constants: ReadonlyMap<string, Tensor>;
  /** Shape facts of the graph, for `Shape` and `Size` of non-constant values. */
  facts?: ShapeFacts;
}

/**
 * The constant outputs of `node` (named as its outputs), or `undefined` when it cannot be folded
 * (an input is not constant, an op without a TypeScript kernel, a subgraph reading outer values,
 * a result too large).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createTensor, DataType, type Node } from "./mod.ts";
 * import { foldNode } from "./constant_folding.ts";
 * const node: Node = {
 *   name: "add", opType: "Add", domain: "", inputs: ["a", "b"], outputs: ["c"], attributes: {},
 * };
 * const constants = new Map([
 *   ["a", createTensor("a", DataType.INT64, [2], [1, 2])],
 *   ["b", createTensor("b", DataType.INT64, [2], [10, 20])],
 * ]);
 * const [c] = foldNode(node, { constants })!;
 * assert.deepEqual([c.name, [...c.data].map(Number)], ["c", [11, 22]]);
 * assert.equal(foldNode(node, { constants: new Map() }), undefined);
 * ```
 */
export function foldNode(node: Node, context: FoldContext): Tensor[] | undefined {
  if (node.domain !== "") return undefined;
  if (node.opType === "Constant") {
    const t = constantNodeTensor(node);
    return t ? [t] : undefined;
  }
  const { constants } = context;
  if ((node.opType === "Shape" || node.opType === "Size") && !constants.has(node.inputs[0])) {
    return context.facts ? foldShape(context.facts, node) : undefined;
  }
  if (!canEvaluate(node) || outerReferences(node).length > 0) return undefined;
  if (!node.inputs.every((i) => !i || constants.has(i))) return undefined;
  return evaluateNode(node, node.inputs.map((i) => (i ? constants.get(i) : undefined)));
}

function foldShape(facts: ShapeFacts, node: Node): Tensor[] | undefined {
  const shape = facts.shape(node.inputs[0]);
  if (!shape || !shape.every((d) => typeof d === "number")) return undefined;
  const dims = shape as number[];
  if (node.opType === "Size") {
    const size = dims.reduce((a, b) => a * b, 1);
    return [createTensor(node.outputs[0], DataType.INT64, [], [size])];
  }
  return evaluateNode(node, [createTensor("x", DataType.FLOAT, dims)]);
}
