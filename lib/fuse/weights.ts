/**
 * Weight helpers of the fusion passes: reading a Linear (`MatMul` with a constant weight, plus an
 * optional bias `Add`), concatenating weights column-wise, naming merged weights.
 *
 * @module
 */

import { DataType, type Node, type Tensor } from "../onnx/mod.ts";
import { commonScope, type RewriteContext } from "./context.ts";
import { constantOf, otherInput, producerOf, soleConsumer, vectorOf } from "./pattern.ts";

/** A Linear layer as exported: `Add(MatMul(x, W[in, out]), b[out])`, or the MatMul alone. */
export interface LinearMatch {
  x: string;
  matmul: Node;
  weight: Tensor;
  /** The bias Add, when there is one (read only by whatever follows). */
  add?: Node;
  bias?: Float32Array;
  /** The Linear's output: the Add's, or the MatMul's. */
  output: string;
  nodes: Node[];
}

/** The Linear producing `value`, with a float32 2-D constant weight. */
export function linearProducing(ctx: RewriteContext, value: string): LinearMatch | undefined {
  const add = producerOf(ctx, value, "Add");
  if (add) {
    for (const mmOut of add.inputs) {
      const matmul = producerOf(ctx, mmOut, "MatMul");
      const biasName = otherInput(add, mmOut);
      if (!matmul || !biasName || soleConsumer(ctx, mmOut) !== add) continue;
      const weight = constantWeight(ctx, matmul);
      const bias = weight ? vectorOf(ctx, biasName, weight.dims[1]) : undefined;
      if (!weight || !bias || !ctx.facts.sameShape(mmOut, value)) continue;
      return {
        x: matmul.inputs[0],
        matmul,
        weight,
        add,
        bias,
        output: value,
        nodes: [matmul, add],
      };
    }
    return undefined;
  }
  const matmul = producerOf(ctx, value, "MatMul");
  const weight = matmul ? constantWeight(ctx, matmul) : undefined;
  if (!matmul || !weight) return undefined;
  return { x: matmul.inputs[0], matmul, weight, output: value, nodes: [matmul] };
}

/** The MatMul's B as a float32 2-D constant, or `undefined`. */
export function constantWeight(ctx: RewriteContext, matmul: Node): Tensor | undefined {
  const w = constantOf(ctx, matmul.inputs[1]);
  return w && w.dataType === DataType.FLOAT && w.dims.length === 2 ? w : undefined;
}

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
export function concatBiases(linears: readonly LinearMatch[]): Float32Array {
  const out = new Float32Array(linears.reduce((s, l) => s + l.weight.dims[1], 0));
  let offset = 0;
  for (const l of linears) {
    if (l.bias) out.set(l.bias, offset);
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
