/**
 * Whole-graph edits that passes share: ordering, dead-code removal, rewiring.
 *
 * @module
 */

import { OnnxGraphError } from "./errors.ts";
import { outerReferences } from "./graph_index.ts";
import type { Graph, Node } from "./model.ts";

/**
 * The nodes of `graph` in an order where every node comes after the producers of its inputs,
 * staying as close to the current order as possible. Does not change the graph: assign the
 * result to `graph.nodes`. Throws {@link OnnxGraphError} naming a node on a cycle.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { topologicalSort, createGraph, type Node } from "./mod.ts";
 * const node = (name: string, inputs: string[], outputs: string[]): Node =>
 *   ({ name, opType: "Relu", domain: "", inputs, outputs, attributes: {} });
 * const graph = createGraph();
 * graph.nodes = [node("b", ["t"], ["u"]), node("a", ["x"], ["t"])];
 * assert.deepEqual(topologicalSort(graph).map((n) => n.name), ["a", "b"]);
 * ```
 */
export function topologicalSort(graph: Graph): Node[] {
  const producer = new Map<string, number>();
  graph.nodes.forEach((node, i) => node.outputs.forEach((o) => o && producer.set(o, i)));
  const deps = graph.nodes.map((node) => {
    const list: number[] = [];
    for (const name of [...node.inputs, ...outerReferences(node)]) {
      const p = name ? producer.get(name) : undefined;
      if (p !== undefined) list.push(p);
    }
    return list;
  });
  const state = new Uint8Array(graph.nodes.length); // 0 new, 1 on stack, 2 done
  const order: Node[] = [];
  for (let start = 0; start < graph.nodes.length; start++) {
    if (state[start] !== 0) continue;
    const stack: [number, number][] = [[start, 0]];
    state[start] = 1;
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const [i, next] = top;
      if (next < deps[i].length) {
        top[1]++;
        const d = deps[i][next];
        if (state[d] === 1) {
          throw new OnnxGraphError(
            `Graph "${graph.name}" has a cycle through node "${graph.nodes[d].name}" ` +
              `(${graph.nodes[d].opType}); a pass wired an output back into its own inputs.`,
          );
        }
        if (state[d] === 0) {
          state[d] = 1;
          stack.push([d, 0]);
        }
      } else {
        state[i] = 2;
        order.push(graph.nodes[i]);
        stack.pop();
      }
    }
  }
  return order;
}

/** What {@link removeDeadNodes} removed. */
export interface RemovedCounts {
  nodes: number;
  initializers: number;
  valueInfo: number;
}

/**
 * Removes, in place, nodes whose outputs do not reach a graph output, then initializers and
 * `valueInfo` entries nothing reads any more (initializers that double as graph inputs go with
 * their input entry). Sorts the graph topologically first.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DataType, GraphBuilder, removeDeadNodes } from "./mod.ts";
 * const b = new GraphBuilder();
 * const x = b.input("x", DataType.FLOAT, [2]);
 * const w = b.initializer("unused", DataType.FLOAT, [2]);
 * b.op("Mul", [x, w]); // dead: its output is never used
 * b.output(b.op("Relu", [x]), DataType.FLOAT, [2]);
 * const graph = b.build();
 * assert.deepEqual(removeDeadNodes(graph), { nodes: 1, initializers: 1, valueInfo: 0 });
 * assert.deepEqual(graph.nodes.map((n) => n.opType), ["Relu"]);
 * ```
 */
export function removeDeadNodes(graph: Graph): RemovedCounts {
  const sorted = topologicalSort(graph);
  const needed = new Set(graph.outputs.map((o) => o.name));
  const keep: Node[] = [];
  for (let i = sorted.length - 1; i >= 0; i--) {
    const node = sorted[i];
    if (!node.outputs.some((o) => o && needed.has(o))) continue;
    keep.push(node);
    for (const name of [...node.inputs, ...outerReferences(node)]) if (name) needed.add(name);
  }
  keep.reverse();
  const removedNodes = sorted.length - keep.length;
  graph.nodes = keep;
  const initializers = graph.initializers.filter((t) => needed.has(t.name));
  const removedInits = new Set(
    graph.initializers.filter((t) => !needed.has(t.name)).map((t) => t.name),
  );
  graph.initializers = initializers;
  graph.inputs = graph.inputs.filter((v) => !removedInits.has(v.name));
  const produced = new Set(keep.flatMap((n) => n.outputs));
  const valueInfo = graph.valueInfo.filter((v) => produced.has(v.name) || needed.has(v.name));
  const removedInfo = graph.valueInfo.length - valueInfo.length;
  graph.valueInfo = valueInfo;
  return { nodes: removedNodes, initializers: removedInits.size, valueInfo: removedInfo };
}

/** Options of {@link replaceUses}. */
export interface ReplaceUsesOptions {
  /**
   * Also rename graph outputs named `from` (default false: a graph output is the model's
   * interface, so a pass usually makes the new producer write the old name instead).
   */
  graphOutputs?: boolean;
}

/**
 * Makes every node that reads `from` read `to` instead (subgraphs included); returns how many
 * inputs changed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createGraph, replaceUses } from "./mod.ts";
 * const graph = createGraph();
 * graph.nodes.push({ name: "r", opType: "Relu", domain: "", inputs: ["a"], outputs: ["b"], attributes: {} });
 * assert.equal(replaceUses(graph, "a", "c"), 1);
 * assert.deepEqual(graph.nodes[0].inputs, ["c"]);
 * ```
 */
export function replaceUses(
  graph: Graph,
  from: string,
  to: string,
  options: ReplaceUsesOptions = {},
): number {
  let count = 0;
  for (const node of graph.nodes) {
    node.inputs.forEach((name, i) => {
      if (name === from) {
        node.inputs[i] = to;
        count++;
      }
    });
    for (const value of Object.values(node.attributes)) {
      if (value.type === "graph") count += replaceUses(value.value, from, to);
      if (value.type === "graphs") {
        for (const g of value.value) count += replaceUses(g, from, to);
      }
    }
  }
  if (options.graphOutputs) {
    for (const out of graph.outputs) if (out.name === from) out.name = to;
  }
  return count;
}

/**
 * Removes `nodes` (by identity) from the graph in place; returns how many were removed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createGraph, removeNodes } from "./mod.ts";
 * const graph = createGraph();
 * const node = { name: "r", opType: "Relu", domain: "", inputs: ["a"], outputs: ["b"], attributes: {} };
 * graph.nodes.push(node);
 * assert.equal(removeNodes(graph, [node]), 1);
 * assert.equal(graph.nodes.length, 0);
 * ```
 */
export function removeNodes(graph: Graph, nodes: Iterable<Node>): number {
  const drop = new Set(nodes);
  const before = graph.nodes.length;
  graph.nodes = graph.nodes.filter((n) => !drop.has(n));
  return before - graph.nodes.length;
}
