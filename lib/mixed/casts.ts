/**
 * Cast nodes: inserting one per (value, type) at precision boundaries, and removing the Casts a
 * conversion makes redundant.
 *
 * @module
 */

import {
  attr,
  DataType,
  getAttribute,
  type Graph,
  type Node,
  outerReferences,
  replaceUses,
  topologicalSort,
  UniqueNames,
} from "../onnx/mod.ts";
import { inferElemTypes } from "./elem_types.ts";

const TYPE_TAG: Record<number, string> = {
  [DataType.FLOAT]: "fp32",
  [DataType.FLOAT16]: "fp16",
  [DataType.BFLOAT16]: "bf16",
};

/**
 * Adds Cast nodes to a graph, at most one per value and target type.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createGraph, DataType } from "../onnx/mod.ts";
 * import { CastInserter } from "./casts.ts";
 * const graph = createGraph();
 * const casts = new CastInserter(graph);
 * assert.equal(casts.cast("x", DataType.FLOAT16), casts.cast("x", DataType.FLOAT16));
 * assert.equal(graph.nodes.length, 1);
 * ```
 */
export class CastInserter {
  readonly #graph: Graph;
  readonly #names: UniqueNames;
  readonly #cache = new Map<string, string>();
  /** The Cast nodes added, in order. */
  readonly added: Node[] = [];

  constructor(graph: Graph, names = new UniqueNames(graph)) {
    this.#graph = graph;
    this.#names = names;
  }

  /** The name of `value` cast to `to` (a `DataType`), adding the Cast on first use. */
  cast(value: string, to: number): string {
    const key = `${to}|${value}`;
    const cached = this.#cache.get(key);
    if (cached) return cached;
    const tag = TYPE_TAG[to] ?? `type${to}`;
    const output = this.#names.next(`${value}/to_${tag}`);
    const node: Node = {
      name: this.#names.next(`${value}/Cast_to_${tag}`),
      opType: "Cast",
      domain: "",
      inputs: [value],
      outputs: [output],
      attributes: { to: attr.int(to) },
    };
    this.#graph.nodes.push(node);
    this.added.push(node);
    this.#cache.set(key, output);
    return output;
  }

  /**
   * A Cast from the fresh value it returns to the existing name `output` (for a node output whose
   * consumers must keep reading `output` in another type).
   */
  castInto(output: string, to: number, inputBase: string): { input: string; node: Node } {
    const input = this.#names.next(inputBase);
    const tag = TYPE_TAG[to] ?? `type${to}`;
    const node: Node = {
      name: this.#names.next(`${output}/Cast_to_${tag}`),
      opType: "Cast",
      domain: "",
      inputs: [input],
      outputs: [output],
      attributes: { to: attr.int(to) },
    };
    this.#graph.nodes.push(node);
    this.added.push(node);
    return { input, node };
  }
}

/** Casts whose value survives a round trip through the wider type exactly: from → to. */
const EXACT_WIDENING: Record<number, readonly number[]> = {
  [DataType.FLOAT16]: [DataType.FLOAT, DataType.DOUBLE],
  [DataType.BFLOAT16]: [DataType.FLOAT, DataType.DOUBLE],
  [DataType.FLOAT]: [DataType.DOUBLE],
  [DataType.BOOL]: [
    DataType.FLOAT,
    DataType.FLOAT16,
    DataType.BFLOAT16,
    DataType.DOUBLE,
    DataType.INT32,
    DataType.INT64,
    DataType.UINT8,
    DataType.INT8,
  ],
  [DataType.INT32]: [DataType.INT64, DataType.DOUBLE],
};

/**
 * Whether casting `from` → `via` → `from` returns every value unchanged.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DataType } from "../onnx/mod.ts";
 * import { isExactRoundTrip } from "./casts.ts";
 * assert.equal(isExactRoundTrip(DataType.FLOAT16, DataType.FLOAT), true);
 * assert.equal(isExactRoundTrip(DataType.FLOAT, DataType.FLOAT16), false); // rounds
 * ```
 */
export function isExactRoundTrip(from: number, via: number): boolean {
  return from === via || (EXACT_WIDENING[from]?.includes(via) ?? false);
}

/** What {@link removeRedundantCasts} removed. */
export interface RedundantCastsRemoved {
  /** Casts to the type their input already has. */
  noOps: number;
  /** Second halves of exact round trips (`fp16 → fp32 → fp16`). */
  roundTrips: number;
  /** Duplicates: the same value cast to the same type by another Cast. */
  duplicates: number;
  /** Casts left without consumers by the above. */
  dead: number;
  /** Names of all removed Cast nodes. */
  nodes: string[];
}

/**
 * Removes Casts that change nothing: a Cast to its input's own type, the second Cast of an exact
 * round trip (`x: fp16 → fp32 → fp16` reads `x` instead), duplicate Casts of one value to one type,
 * and Casts no longer read. Lossy pairs (`fp32 → fp16 → fp32`) are kept: they round. Casts that
 * write a graph output are kept. Returns what it removed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { attr, DataType, GraphBuilder } from "../onnx/mod.ts";
 * import { removeRedundantCasts } from "./casts.ts";
 * const b = new GraphBuilder();
 * const x = b.input("x", DataType.FLOAT16, [2]);
 * const up = b.op("Cast", [x], { attributes: { to: attr.int(DataType.FLOAT) } });
 * const down = b.op("Cast", [up], { attributes: { to: attr.int(DataType.FLOAT16) } });
 * b.output(b.op("Relu", [down]), DataType.FLOAT16);
 * const graph = b.build();
 * const removed = removeRedundantCasts(graph);
 * assert.equal(removed.roundTrips, 1);
 * assert.deepEqual(graph.nodes.map((n) => n.opType), ["Relu"]);
 * assert.deepEqual(graph.nodes[0].inputs, ["x"]);
 * ```
 */
export function removeRedundantCasts(graph: Graph): RedundantCastsRemoved {
  const result: RedundantCastsRemoved = {
    noOps: 0,
    roundTrips: 0,
    duplicates: 0,
    dead: 0,
    nodes: [],
  };
  const outputs = new Set(graph.outputs.map((o) => o.name));
  const removed = new Set<Node>();
  const drop = (node: Node, kind: keyof Omit<RedundantCastsRemoved, "nodes">) => {
    removed.add(node);
    result[kind]++;
    result.nodes.push(node.name);
  };
  graph.nodes = topologicalSort(graph);
  // Rewiring a consumer from a Cast's output to a value of the same type keeps every type, so
  // one inference serves the whole sweep.
  const types = inferElemTypes(graph);
  const producers = new Map<string, Node>();
  for (const node of graph.nodes) for (const out of node.outputs) producers.set(out, node);
  const seen = new Map<string, Node>();
  for (const node of graph.nodes) {
    if (!isCast(node)) continue;
    const [input] = node.inputs;
    const [output] = node.outputs;
    if (outputs.has(output)) continue;
    const to = getAttribute(node, "to", "int");
    const inputType = types.get(input) ?? DataType.UNDEFINED;
    const producer = producers.get(input);
    const source = producer && isCast(producer) ? producer.inputs[0] : undefined;
    const sourceType = source === undefined ? undefined : types.get(source);
    let replacement: string | undefined;
    if (inputType === to) {
      replacement = input;
      drop(node, "noOps");
    } else if (source !== undefined && sourceType === to && isExactRoundTrip(to, inputType)) {
      replacement = source;
      drop(node, "roundTrips");
    } else if (seen.has(`${to}|${input}`)) {
      replacement = seen.get(`${to}|${input}`)!.outputs[0];
      drop(node, "duplicates");
    } else {
      seen.set(`${to}|${input}`, node);
      continue;
    }
    replaceUses(graph, output, replacement);
    producers.delete(output);
  }
  graph.nodes = graph.nodes.filter((n) => !removed.has(n));
  for (let again = true; again;) {
    again = false;
    const read = new Set(graph.nodes.flatMap((n) => [...n.inputs, ...outerReferences(n)]));
    for (const node of graph.nodes) {
      if (isCast(node) && !read.has(node.outputs[0]) && !outputs.has(node.outputs[0])) {
        drop(node, "dead");
        again = true;
      }
    }
    graph.nodes = graph.nodes.filter((n) => !removed.has(n));
  }
  return result;
}

function isCast(node: Node): boolean {
  return node.opType === "Cast" && (node.domain === "" || node.domain === "ai.onnx");
}
