/**
 * Fresh names for nodes, values and initializers that do not collide with a graph's names.
 *
 * @module
 */

import type { Graph } from "./model.ts";

/**
 * A set of taken names that hands out new ones: `next("Add")` gives `Add`, then `Add_1`,
 * `Add_2`, … (the torch exporter's scheme). Built from a graph, it reserves every node, value,
 * initializer and declared name, nested subgraphs included.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { UniqueNames } from "./unique_names.ts";
 * const names = new UniqueNames();
 * assert.equal(names.next("Add"), "Add");
 * assert.equal(names.next("Add"), "Add_1");
 * names.reserve("Mul");
 * assert.equal(names.next("Mul"), "Mul_1");
 * ```
 */
export class UniqueNames {
  #taken = new Set<string>();
  #counters = new Map<string, number>();

  constructor(graph?: Graph) {
    if (graph) this.reserveGraph(graph);
  }

  /** Whether `name` is taken. */
  has(name: string): boolean {
    return this.#taken.has(name);
  }

  /** Marks `name` as taken. */
  reserve(name: string): void {
    if (name) this.#taken.add(name);
  }

  /** Reserves every name used in `graph` and its subgraphs. */
  reserveGraph(graph: Graph): void {
    for (const v of [...graph.inputs, ...graph.outputs, ...graph.valueInfo]) this.reserve(v.name);
    for (const t of graph.initializers) this.reserve(t.name);
    for (const node of graph.nodes) {
      this.reserve(node.name);
      for (const name of [...node.inputs, ...node.outputs]) this.reserve(name);
      for (const value of Object.values(node.attributes)) {
        if (value.type === "graph") this.reserveGraph(value.value);
        if (value.type === "graphs") value.value.forEach((g) => this.reserveGraph(g));
      }
    }
  }

  /** `base` if free, else `base_<n>` with the smallest free n ≥ 1; the result is reserved. */
  next(base: string): string {
    let name = base;
    if (this.#taken.has(name)) {
      let n = this.#counters.get(base) ?? 1;
      while (this.#taken.has(`${base}_${n}`)) n++;
      this.#counters.set(base, n + 1);
      name = `${base}_${n}`;
    }
    this.#taken.add(name);
    return name;
  }
}
