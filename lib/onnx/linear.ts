/**
 * The Linear finder: a linear layer as exporters write it — `MatMul(x, W[in, out])` with an
 * optional bias `Add(·, b[out])`, or `Gemm(x, W, b)` (`alpha = beta = 1`, no `transA`) — with its
 * constant float weight, its bias and, when the weight initializer is named `<name>.weight`, the
 * layer's state-dict name (`distilbert.transformer.layer.0.ffn.lin1`). Quantization, fusion,
 * QAT, pruning and weight scaling all start from it.
 *
 * @module
 */

import { getAttribute } from "./attribute.ts";
import { DataType } from "./data_type.ts";
import { GraphIndex } from "./graph_index.ts";
import type { Graph, Node } from "./model.ts";
import { type Tensor, tensorToFloat32 } from "./tensor.ts";

/** The bias of a {@link Linear}. */
export interface LinearBias {
  /** The bias value (a constant). */
  value: string;
  /** Its elements, one per output feature. */
  data: Float32Array;
  /** The `Add` that adds it after a `MatMul` (a `Gemm` adds its input C itself). */
  add?: Node;
}

/** A linear layer found in a graph. */
export interface Linear {
  /** The `MatMul` or `Gemm`. */
  node: Node;
  /** The activation input `x`. */
  input: string;
  /** The name of the weight (the node's input 1). */
  weightName: string;
  /** The constant float 2-D weight: `[in, out]`, or `[out, in]` when {@link transposed}. */
  weight: Tensor;
  /** A `Gemm` with `transB = 1`: the weight is stored `[out, in]`. */
  transposed: boolean;
  inFeatures: number;
  outFeatures: number;
  bias?: LinearBias;
  /** The layer's output: the bias `Add`'s when there is one, else the node's. */
  output: string;
  /** The nodes of the layer: the `MatMul` or `Gemm`, then the bias `Add` if any. */
  nodes: Node[];
  /**
   * The state-dict name (`distilbert.transformer.layer.0.ffn.lin1`) when the weight is an
   * initializer named `<name>.weight`.
   */
  name?: string;
}

/** Where and how to look for a {@link Linear}. */
export interface LinearSearch {
  index: GraphIndex;
  /** Nodes that may not be part of the layer (already rewritten or claimed). */
  skip?: (node: Node) => boolean;
  /** Look for the bias `Add` after a `MatMul` (default true). */
  bias?: boolean;
  /** The op types that count (default `["MatMul", "Gemm"]`). */
  opTypes?: readonly ("MatMul" | "Gemm")[];
}

const LINEAR_OPS = ["MatMul", "Gemm"] as const;

/**
 * The Linear whose `MatMul` or `Gemm` is `node`, or `undefined` when `node` is not one (the
 * weight is not a constant float 2-D tensor, or a `Gemm` scales or transposes its input).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DataType, GraphBuilder, GraphIndex, linearAt } from "./mod.ts";
 * const b = new GraphBuilder("g");
 * const x = b.input("x", DataType.FLOAT, ["n", 2]);
 * const w = b.initializer("fc.weight", DataType.FLOAT, [2, 3]);
 * const bias = b.initializer("fc.bias", DataType.FLOAT, [3], [1, 2, 3]);
 * b.output(b.op("Add", [b.op("MatMul", [x, w]), bias]), DataType.FLOAT, ["n", 3], { rename: "y" });
 * const graph = b.build();
 * const linear = linearAt(graph.nodes[0], { index: new GraphIndex(graph) })!;
 * assert.equal(linear.name, "fc");
 * assert.equal(linear.output, "y");
 * assert.deepEqual([...linear.bias!.data], [1, 2, 3]);
 * assert.deepEqual([linear.inFeatures, linear.outFeatures], [2, 3]);
 * ```
 */
export function linearAt(node: Node, search: LinearSearch): Linear | undefined {
  const { index } = search;
  const ops = search.opTypes ?? LINEAR_OPS;
  if (node.domain !== "" || !(ops as readonly string[]).includes(node.opType)) return undefined;
  if (search.skip?.(node)) return undefined;
  const weight = matMulWeight(index, node);
  if (!weight) return undefined;
  const [input, weightName] = node.inputs;
  const transposed = node.opType === "Gemm" && getAttribute(node, "transB", "int", 0) === 1;
  const [inFeatures, outFeatures] = transposed
    ? [weight.dims[1], weight.dims[0]]
    : [weight.dims[0], weight.dims[1]];
  const base = {
    node,
    input,
    weightName,
    weight,
    transposed,
    inFeatures,
    outFeatures,
    ...stateDictName(index, weightName),
  };
  if (node.opType === "Gemm") {
    if (getAttribute(node, "alpha", "float", 1) !== 1) return undefined;
    if (getAttribute(node, "transA", "int", 0) !== 0) return undefined;
    const c = node.inputs[2];
    if (!c) return { ...base, output: node.outputs[0], nodes: [node] };
    const t = index.constant(c);
    if (getAttribute(node, "beta", "float", 1) !== 1) return undefined;
    if (!t || t.dataType !== DataType.FLOAT || t.data.length !== outFeatures) return undefined;
    const bias = { value: c, data: tensorToFloat32(t) };
    return { ...base, bias, output: node.outputs[0], nodes: [node] };
  }
  const bias = search.bias === false ? undefined : biasAdd(node, outFeatures, search);
  return bias
    ? { ...base, bias, output: bias.add!.outputs[0], nodes: [node, bias.add!] }
    : { ...base, output: node.outputs[0], nodes: [node] };
}

/**
 * The Linear whose output is `value`: the bias `Add`'s output, or a `MatMul`/`Gemm`'s output
 * (then without looking further for a bias), else `undefined`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DataType, GraphBuilder, GraphIndex, linearProducing } from "./mod.ts";
 * const b = new GraphBuilder("g");
 * const x = b.input("x", DataType.FLOAT, ["n", 2]);
 * const mm = b.op("MatMul", [x, b.initializer("w", DataType.FLOAT, [2, 3])]);
 * const y = b.op("Add", [mm, b.initializer("b", DataType.FLOAT, [3])]);
 * b.output(y, DataType.FLOAT, ["n", 3]);
 * const index = new GraphIndex(b.build());
 * assert.equal(linearProducing(y, { index })?.nodes.length, 2);
 * assert.equal(linearProducing(mm, { index })?.nodes.length, 1);
 * assert.equal(linearProducing(x, { index }), undefined);
 * ```
 */
export function linearProducing(value: string, search: LinearSearch): Linear | undefined {
  const producer = search.index.producer(value);
  if (!producer || producer.domain !== "" || search.skip?.(producer)) return undefined;
  if (producer.opType === "Add") {
    for (const mmOut of producer.inputs) {
      const matmul = search.index.producer(mmOut);
      if (matmul?.opType !== "MatMul") continue;
      const linear = linearAt(matmul, search);
      if (linear?.bias?.add === producer) return linear;
    }
    return undefined;
  }
  return linearAt(producer, { ...search, bias: false });
}

/**
 * Every Linear of `graph`, in graph order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildDistilBertGraph, DISTILBERT_BASE, randomDistilBertWeights } from "../model/mod.ts";
 * import { findLinears } from "./linear.ts";
 * const config = { ...DISTILBERT_BASE, vocabSize: 20, dim: 8, nLayers: 1, nHeads: 2, hiddenDim: 16, maxPositionEmbeddings: 8 };
 * const model = buildDistilBertGraph(config, randomDistilBertWeights(config, { seed: 1 }));
 * const names = findLinears(model.graph).map((l) => l.name);
 * assert.equal(names.length, 6 + 2); // q, k, v, out, lin1, lin2; pre-classifier, classifier
 * assert.ok(names.includes("distilbert.transformer.layer.0.ffn.lin1"));
 * ```
 */
export function findLinears(graph: Graph, search: Omit<LinearSearch, "index"> = {}): Linear[] {
  const index = new GraphIndex(graph);
  const out: Linear[] = [];
  for (const node of graph.nodes) {
    const linear = linearAt(node, { ...search, index });
    if (linear) out.push(linear);
  }
  return out;
}

/** Input 1 of a `MatMul` or `Gemm` when it is a constant float 2-D tensor. */
export function matMulWeight(index: GraphIndex, node: Node): Tensor | undefined {
  const b = node.inputs[1];
  const w = b ? index.constant(b) : undefined;
  return w && w.dataType === DataType.FLOAT && w.dims.length === 2 ? w : undefined;
}

/** `{ name }` when `weight` is an initializer `<name>.weight`, else `{}`. */
function stateDictName(index: GraphIndex, weight: string): { name?: string } {
  return index.initializer(weight) && weight.endsWith(".weight")
    ? { name: weight.slice(0, -".weight".length) }
    : {};
}

/** The `Add` of a constant `[n]` bias to `node`'s output, when it is that output's only reader. */
function biasAdd(node: Node, n: number, search: LinearSearch): LinearBias | undefined {
  const { index } = search;
  const out = node.outputs[0];
  if (index.isGraphOutput(out)) return undefined;
  const consumers = index.consumers(out);
  if (consumers.length !== 1) return undefined;
  const add = consumers[0];
  if (add.opType !== "Add" || add.domain !== "" || search.skip?.(add)) return undefined;
  if (add.inputs.length !== 2 || add.inputs[0] === add.inputs[1]) return undefined;
  const value = add.inputs[0] === out ? add.inputs[1] : add.inputs[0];
  const t = value ? index.constant(value) : undefined;
  if (!t || t.dataType !== DataType.FLOAT || t.dims.length !== 1 || t.dims[0] !== n) {
    return undefined;
  }
  return { value, data: t.data as Float32Array, add };
}
