/**
 * Counts that describe a graph at a glance (for notebooks and reports).
 *
 * @module
 */

import type { Graph } from "./model.ts";
import { dataTypeName } from "./data_type.ts";

/** What {@link graphStats} counts. */
export interface GraphStats {
  nodes: number;
  /** Nodes per op type (`"com.microsoft:Attention"` for other domains), most frequent first. */
  opCounts: Record<string, number>;
  initializers: number;
  /** Elements of all initializers. */
  parameters: number;
  /** Bytes of all initializers. */
  initializerBytes: number;
  /** Initializer bytes per element type name (`FLOAT`, `INT8`, …). */
  bytesByType: Record<string, number>;
}

/**
 * Node, op and parameter counts of `graph` (top level; subgraphs not included).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DataType, GraphBuilder, graphStats } from "./mod.ts";
 * const b = new GraphBuilder();
 * const x = b.input("x", DataType.FLOAT, [1, 3]);
 * const w = b.initializer("w", DataType.FLOAT, [3, 2]);
 * b.output(b.op("MatMul", [x, w]), DataType.FLOAT, [1, 2]);
 * const stats = graphStats(b.build());
 * assert.deepEqual(stats.opCounts, { MatMul: 1 });
 * assert.equal(stats.parameters, 6);
 * assert.equal(stats.initializerBytes, 24);
 * ```
 */
export function graphStats(graph: Graph): GraphStats {
  const counts = new Map<string, number>();
  for (const node of graph.nodes) {
    const key = node.domain && node.domain !== "ai.onnx"
      ? `${node.domain}:${node.opType}`
      : node.opType;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const bytesByType: Record<string, number> = {};
  let parameters = 0;
  let initializerBytes = 0;
  for (const t of graph.initializers) {
    parameters += t.data.length;
    initializerBytes += t.data.byteLength;
    const type = dataTypeName(t.dataType);
    bytesByType[type] = (bytesByType[type] ?? 0) + t.data.byteLength;
  }
  return {
    nodes: graph.nodes.length,
    opCounts: Object.fromEntries([...counts].sort((a, b) => b[1] - a[1])),
    initializers: graph.initializers.length,
    parameters,
    initializerBytes,
    bytesByType,
  };
}
