/**
 * Merging the weights of several Linears (found by the onnx layer's Linear finder) into one:
 * concatenating weights and biases column-wise, naming the merged weight.
 *
 * @module
 */

import type { Linear, Node, Tensor } from "../onnx/mod.ts";
import { commonScope } from "./fusion_context.ts";

/** `[rows, Σ cols]`: the matrices side by side (all `[rows, cols_i]` row-major). */
export function concatColumns(parts: readonly Tensor[]): Float32Array {
  const rows = parts[0].dims[0];
  const total = parts.reduce((s, p) => s + p.dims[1], 0);
  const out = new Float32Array(rows * total);
  let offset = 0;
  for (const p of parts) {
    const cols = p.dims[1];
    const data = p.data as Float32Array;
    for (let r = 0; r < rows; r++) {
      out.set(data.subarray(r * cols, (r + 1) * cols), r * total + offset);
    }
    offset += cols;
  }
  return out;
}

/** The biases end to end (zeros for a Linear without one). */
export function concatBiases(linears: readonly Linear[]): Float32Array {
  const out = new Float32Array(linears.reduce((s, l) => s + l.weight.dims[1], 0));
  let offset = 0;
  for (const l of linears) {
    if (l.bias) out.set(l.bias.data, offset);
    offset += l.weight.dims[1];
  }
  return out;
}

/**
 * A name for a merged weight: `<common state-dict prefix>qkv.weight` when the parts share one
 * (`distilbert.transformer.layer.0.attention.q_lin.weight`, … → `…attention.qkv.weight`), else
 * `<common node scope>/qkv.weight`.
 */
export function mergedName(weights: readonly string[], nodes: readonly Node[], leaf: string) {
  let prefix = weights[0];
  for (const w of weights) while (!w.startsWith(prefix)) prefix = prefix.slice(0, -1);
  const dot = prefix.lastIndexOf(".");
  if (dot > 0 && !prefix.includes("::")) return `${prefix.slice(0, dot + 1)}${leaf}`;
  const scope = commonScope(nodes.map((n) => n.name));
  return scope ? `${scope}/${leaf}` : leaf;
}
