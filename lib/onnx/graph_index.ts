/**
 * Lookups over a graph that passes need: who produces a value, who consumes it, which tensor an
 * initializer name holds.
 *
 * @module
 */

import { getAttribute } from "./attribute.ts";
import type { Graph, Node, ValueInfo } from "./model.ts";
import type { Tensor } from "./tensor.ts";

/**
 * A snapshot index of `graph`: producer and consumers of every value, initializers and declared
 * value types by name. It does not follow later edits; build a new one after changing the graph.
 * Consumers include nodes whose subgraphs (`If`/`Loop` bodies) read the value.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DataType, GraphBuilder, GraphIndex } from "./mod.ts";
 * const b = new GraphBuilder();
 * const x = b.input("x", DataType.FLOAT, [2, 3]);
 * const w = b.initializer("w", DataType.FLOAT, [3, 4]);
 * const y = b.op("MatMul", [x, w]);
 * const z = b.op("Relu", [y]);
 * b.output(z, DataType.FLOAT, [2, 4]);
 * const index = new GraphIndex(b.build());
 * assert.equal(index.producer(y)?.opType, "MatMul");
 * assert.deepEqual(index.consumers(y).map((n) => n.opType), ["Relu"]);
 * assert.deepEqual(index.initializer(w)?.dims, [3, 4]);
 * assert.equal(index.isGraphOutput(z), true);
 * ```
 */
export class GraphIndex {
  readonly graph: Graph;
  #producers = new Map<string, Node>();
  #consumers = new Map<string, Node[]>();
  #initializers = new Map<string, Tensor>();
  #valueInfo = new Map<string, ValueInfo>();
  #inputs = new Set<string>();
  #outputs = new Set<string>();

  constructor(graph: Graph) {
    this.graph = graph;
    for (const t of graph.initializers) this.#initializers.set(t.name, t);
    for (const v of [...graph.valueInfo, ...graph.outputs, ...graph.inputs]) {
      this.#valueInfo.set(v.name, v);
    }
    for (const v of graph.inputs) this.#inputs.add(v.name);
    for (const v of graph.outputs) this.#outputs.add(v.name);
    for (const node of graph.nodes) {
      for (const out of node.outputs) if (out) this.#producers.set(out, node);
      for (const name of new Set([...node.inputs, ...outerReferences(node)])) {
        if (!name) continue;
        const list = this.#consumers.get(name);
        if (list) list.push(node);
        else this.#consumers.set(name, [node]);
      }
    }
  }

  /** The node that outputs `value`, or `undefined` for graph inputs and initializers. */
  producer(value: string): Node | undefined {
    return this.#producers.get(value);
  }

  /** The nodes that read `value`, in graph order (each once). */
  consumers(value: string): Node[] {
    return this.#consumers.get(value) ?? [];
  }

  /** The initializer named `name`. */
  initializer(name: string): Tensor | undefined {
    return this.#initializers.get(name);
  }

  /**
   * The constant tensor behind `value`: an initializer that is not an overridable graph input,
   * or the `value` attribute of a `Constant` node.
   */
  constant(value: string): Tensor | undefined {
    const init = this.#initializers.get(value);
    if (init) return this.#inputs.has(value) ? undefined : init;
    const node = this.#producers.get(value);
    if (node?.opType === "Constant" && node.domain === "" && node.attributes.value) {
      return getAttribute(node, "value", "tensor");
    }
    return undefined;
  }

  /** The declared type and shape of `value` (graph inputs, outputs, `valueInfo`). */
  valueInfo(value: string): ValueInfo | undefined {
    return this.#valueInfo.get(value);
  }

  isGraphInput(value: string): boolean {
    return this.#inputs.has(value);
  }

  isGraphOutput(value: string): boolean {
    return this.#outputs.has(value);
  }
}

/**
 * Names that the subgraphs of `node` (`If` branches, `Loop`/`Scan` bodies) read from the
 * enclosing graph: values they use but do not define themselves.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { outerReferences, type Node } from "./mod.ts";
 * const node: Node = { name: "n", opType: "Relu", domain: "", inputs: ["x"], outputs: ["y"], attributes: {} };
 * assert.deepEqual(outerReferences(node), []);
 * ```
 */
export function outerReferences(node: Node): string[] {
  const found = new Set<string>();
  for (const value of Object.values(node.attributes)) {
    if (value.type === "graph") graphReferences(value.value, found);
    if (value.type === "graphs") { for (const g of value.value) graphReferences(g, found); }
  }
  return [...found];
}

function graphReferences(graph: Graph, found: Set<string>): void {
  const defined = new Set<string>([
    ...graph.inputs.map((v) => v.name),
    ...graph.initializers.map((t) => t.name),
  ]);
  for (const node of graph.nodes) {
    for (const out of node.outputs) defined.add(out);
  }
  for (const node of graph.nodes) {
    for (const name of [...node.inputs, ...outerReferences(node)]) {
      if (name && !defined.has(name)) found.add(name);
    }
  }
}
