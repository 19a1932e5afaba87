/**
 * Which tensors of a compressed variant can be compared with the FP32 model's, and under which
 * name.
 *
 * **The matching rule.** A tensor matches when a node of the FP32 graph and a node of the
 * variant's graph both output a value of that name, float in FP32 and float, FP16 or BF16 in the
 * variant. It works for every variant the kit makes because each of its rewrites keeps the names
 * of the float values it does not remove:
 *
 * - the quantizers (`lib/quant`, dynamic, static QDQ and QOperator, and QAT's export, which
 *   quantizes with them) write a layer's quantized form so that its *last* node outputs the FP32
 *   layer's output name (`LinearSpec.output`: the bias `Add`'s output, or the MatMul's), and give
 *   every new value a fresh name (`…_quantized`, `…_scale`, `…_dequantized`);
 * - mixed precision (`lib/mixed`) changes a value's element type in place and adds Casts named
 *   `<value>/to_fp16`;
 * - unstructured pruning changes weights only; structured pruning and a distilled student are
 *   built by the same exporter, so their layer `i` is compared with the FP32 layer `i` under the
 *   same names. Tensors of another shape there (a pruned layer's fewer FFN units or heads, a
 *   narrower student) are left out at run time and listed in `ErrorAtlas.skipped`.
 *
 * Values inside a rewritten layer (a MatMul's output before its bias once the two are one
 * `MatMulIntegerToFloat`) exist only in FP32 and are not matched.
 *
 * @module
 */

import {
  DataType,
  findLinears,
  GraphIndex,
  type Model,
  type Node,
  topologicalSort,
} from "../onnx/mod.ts";
import { inferElemTypes } from "../mixed/mod.ts";

/** Which tensors an atlas looks at. */
export type AtlasSelection =
  /** The outputs of weighted layers (Linears, embedding lookups) and the graph outputs (default). */
  | "layers"
  /** Every matched float tensor except pure data movement (Reshape, Transpose, …). */
  | "all";

/** Op types that only move data: their error is their input's. */
export const DATA_MOVEMENT_OPS: readonly string[] = [
  "Reshape",
  "Transpose",
  "Squeeze",
  "Unsqueeze",
  "Identity",
  "Flatten",
  "Expand",
  "Slice",
  "Concat",
  "Split",
  "Cast",
];

/** A tensor both models compute. */
export interface MatchedTensor {
  /** Its name (the same in both graphs). */
  name: string;
  /** The FP32 node that outputs it. */
  node: string;
  /** That node's op type. */
  opType: string;
  /** Its position among the FP32 graph's nodes (topological order): the depth axis. */
  position: number;
  /** Transformer block, from `layer.N` in the name; undefined outside the blocks. */
  layer?: number;
  /** The layer's name: a Linear's state-dict name (`…attention.out_lin`) or the node's. */
  label: string;
  /** The node a compression call must leave out to keep this tensor FP32 (`excludeNodes`). */
  compressedNode?: string;
  /** The weight this tensor's layer reads, when it has one (FP32 initializer name). */
  weight?: string;
  /** Its element type in the variant (`DataType`: FLOAT, FLOAT16 or BFLOAT16). */
  variantType: number;
}

/** Options of {@link matchTensors}. */
export interface MatchTensorsOptions {
  /** Which tensors (default `"layers"`). */
  select?: AtlasSelection;
  /** Exactly these tensors (names), instead of a selection. */
  tensors?: readonly string[];
}

const FLOATS = new Set<number>([DataType.FLOAT, DataType.FLOAT16, DataType.BFLOAT16]);

/**
 * The tensors of `fp32` that `variant` computes too, by name (see the module's matching rule), in
 * FP32 topological order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createModel, DataType, GraphBuilder } from "../onnx/mod.ts";
 * import { quantizeDynamic } from "../quant/mod.ts";
 * import { matchTensors } from "./tensor_match.ts";
 * const b = new GraphBuilder("g");
 * const x = b.input("x", DataType.FLOAT, ["n", 2]);
 * const h = b.op("MatMul", [x, b.initializer("fc.weight", DataType.FLOAT, [2, 2], [1, 2, 3, 4])]);
 * b.output(b.op("Relu", [h]), DataType.FLOAT, ["n", 2], { rename: "y" });
 * const fp32 = createModel(b.build());
 * const matched = matchTensors(fp32, quantizeDynamic(fp32).model);
 * assert.deepEqual(matched.map((t) => [t.name, t.label, t.compressedNode]), [
 *   [h, "fc", fp32.graph.nodes[0].name],
 *   ["y", "y", undefined],
 * ]);
 * ```
 */
export function matchTensors(
  fp32: Model,
  variant: Model,
  options: MatchTensorsOptions = {},
): MatchedTensor[] {
  const fp32Types = inferElemTypes(fp32.graph);
  const variantTypes = inferElemTypes(variant.graph);
  const variantProduced = new Set(
    variant.graph.nodes.filter((n) => n.opType !== "Constant").flatMap((n) => n.outputs),
  );
  const layers = weightedLayers(fp32);
  const outputs = new Set(fp32.graph.outputs.map((o) => o.name));
  const wanted = options.tensors ? new Set(options.tensors) : undefined;
  const select = options.select ?? "layers";
  const matched: MatchedTensor[] = [];
  topologicalSort(fp32.graph).forEach((node, position) => {
    if (node.opType === "Constant") return;
    for (const name of node.outputs) {
      if (!name || fp32Types.get(name) !== DataType.FLOAT) continue;
      const variantType = variantTypes.get(name) ?? DataType.UNDEFINED;
      if (!variantProduced.has(name) || !FLOATS.has(variantType)) continue;
      const layer = layers.get(name);
      const chosen = wanted
        ? wanted.has(name)
        : select === "all"
        ? !DATA_MOVEMENT_OPS.includes(node.opType)
        : layer !== undefined || outputs.has(name);
      if (!chosen) continue;
      matched.push({
        name,
        node: node.name,
        opType: node.opType,
        position,
        layer: blockIndex(name),
        label: layer?.label ?? name,
        compressedNode: layer?.node,
        weight: layer?.weight,
        variantType,
      });
    }
  });
  return matched;
}

interface WeightedLayer {
  label: string;
  node: string;
  weight: string;
}

/** Output name → the Linear or embedding lookup that computes it. */
function weightedLayers(model: Model): Map<string, WeightedLayer> {
  const layers = new Map<string, WeightedLayer>();
  for (const l of findLinears(model.graph)) {
    layers.set(l.output, {
      label: l.name ?? l.node.name.replace(/\/(MatMul|Gemm)$/, ""),
      node: l.node.name,
      weight: l.weightName,
    });
  }
  const index = new GraphIndex(model.graph);
  for (const node of model.graph.nodes) {
    if (!isEmbeddingLookup(node, index)) continue;
    const weight = node.inputs[0];
    layers.set(node.outputs[0], {
      label: weight.replace(/\.weight$/, ""),
      node: node.name,
      weight,
    });
  }
  return layers;
}

function isEmbeddingLookup(node: Node, index: GraphIndex): boolean {
  if (node.opType !== "Gather" || node.domain !== "") return false;
  const table = index.constant(node.inputs[0]);
  return table?.dataType === DataType.FLOAT && table.dims.length === 2;
}

/** `N` of `layer.N` / `layer_N` / `layers.N` in a tensor name. */
function blockIndex(name: string): number | undefined {
  const m = /layers?[._](\d+)/.exec(name);
  return m ? Number(m[1]) : undefined;
}
