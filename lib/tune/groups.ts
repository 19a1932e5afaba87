/**
 * Fallback groups: the units the tuner returns to FP32. Blocks are the transformer layers
 * (`/distilbert/transformer/layer.N/…` or any `layer.N` / `layers.N` / `layer_N` segment), and the
 * nodes outside layers grouped by their first name segment (embeddings, pre_classifier,
 * classifier); ops are single nodes.
 *
 * @module
 */

/** Nodes the tuner falls back to FP32 together. */
export interface FallbackGroup {
  /** `"layer.1"`, `"embeddings"`, or the node name for a single op. */
  label: string;
  /** Node names, in graph order. */
  nodes: string[];
}

/** Maps a node name to the label of its block. */
export type GroupBy = (nodeName: string) => string;

/** Leading name segments that name the model rather than a part of it. */
const MODEL_PREFIXES = new Set([
  "distilbert",
  "bert",
  "roberta",
  "model",
  "encoder",
  "transformer",
]);

const LAYER = /(?:^|[/.])layers?[._](\d+)(?=[/.]|$)/;

/**
 * The block of a node: `layer.N` for nodes inside transformer layer N, else the first segment of
 * its name after the model prefix (`embeddings`, `pre_classifier`, …), else the name itself.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { blockOf } from "./groups.ts";
 * assert.equal(blockOf("/distilbert/transformer/layer.3/ffn/lin1/MatMul"), "layer.3");
 * assert.equal(blockOf("/distilbert/embeddings/word_embeddings/Gather"), "embeddings");
 * assert.equal(blockOf("/classifier/Gemm"), "classifier");
 * assert.equal(blockOf("model.layers.11.mlp.down_proj"), "layer.11");
 * assert.equal(blockOf("fc1"), "fc1");
 * ```
 */
export function blockOf(nodeName: string): string {
  const layer = LAYER.exec(nodeName);
  if (layer) return `layer.${layer[1]}`;
  const segments = nodeName.split(/[/.]/).filter(Boolean);
  while (segments.length > 1 && MODEL_PREFIXES.has(segments[0].toLowerCase())) segments.shift();
  return segments[0] ?? nodeName;
}

/**
 * Groups nodes (in graph order) by block; groups are ordered by their first node.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { blockGroups } from "./groups.ts";
 * const groups = blockGroups([
 *   "/distilbert/embeddings/word_embeddings/Gather",
 *   "/distilbert/transformer/layer.0/attention/q_lin/MatMul",
 *   "/distilbert/transformer/layer.0/ffn/lin2/MatMul",
 *   "/classifier/MatMul",
 * ]);
 * assert.deepEqual(groups.map((g) => [g.label, g.nodes.length]), [
 *   ["embeddings", 1], ["layer.0", 2], ["classifier", 1],
 * ]);
 * ```
 */
export function blockGroups(nodes: readonly string[], groupBy: GroupBy = blockOf): FallbackGroup[] {
  const groups = new Map<string, string[]>();
  for (const node of nodes) {
    const label = groupBy(node);
    const members = groups.get(label) ?? [];
    members.push(node);
    groups.set(label, members);
  }
  return [...groups].map(([label, members]) => ({ label, nodes: members }));
}

/** One group per node (op-wise fallback). */
export function opGroups(nodes: readonly string[]): FallbackGroup[] {
  return nodes.map((node) => ({ label: node, nodes: [node] }));
}
