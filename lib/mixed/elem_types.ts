/**
 * Element-type inference: which values of a graph are float32, int64, bool, … . Exported models
 * often carry no `value_info`, so the converter works the types out from the graph inputs,
 * initializers and constants, op by op.
 *
 * @module
 */

import { DataType, getAttribute, type Graph, type Node, topologicalSort } from "../onnx/mod.ts";

/**
 * The key the kit uses for an op type: `"MatMul"`, or `"com.microsoft:Gelu"` outside ai.onnx.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { opKey } from "./elem_types.ts";
 * assert.equal(opKey({ opType: "Gelu", domain: "com.microsoft" }), "com.microsoft:Gelu");
 * assert.equal(opKey({ opType: "MatMul", domain: "" }), "MatMul");
 * ```
 */
export function opKey(node: Pick<Node, "opType" | "domain">): string {
  return node.domain && node.domain !== "ai.onnx" ? `${node.domain}:${node.opType}` : node.opType;
}

type OutputRule = (node: Node, inputType: (i: number) => number) => number[];

const same = (index: number): OutputRule => (node, t) => node.outputs.map(() => t(index));
const fixed = (type: number): OutputRule => (node) => node.outputs.map(() => type);
const firstKnown: OutputRule = (node, t) => {
  const known = node.inputs.map((_, i) => t(i)).find((type) => type !== DataType.UNDEFINED);
  return node.outputs.map(() => known ?? DataType.UNDEFINED);
};

const BOOL_OPS = [
  "Equal",
  "Less",
  "Greater",
  "LessOrEqual",
  "GreaterOrEqual",
  "Not",
  "And",
  "Or",
  "Xor",
  "IsNaN",
  "IsInf",
];
const INT64_OPS = ["Shape", "Size", "NonZero", "ArgMax", "ArgMin", "NonMaxSuppression"];

/** Output element types of ops whose outputs do not simply take their first input's type. */
const RULES: Record<string, OutputRule> = {
  ...Object.fromEntries(BOOL_OPS.map((op) => [op, fixed(DataType.BOOL)])),
  ...Object.fromEntries(INT64_OPS.map((op) => [op, fixed(DataType.INT64)])),
  Cast: (node) => node.outputs.map(() => getAttribute(node, "to", "int")),
  CastLike: same(1),
  Where: same(1),
  Constant: (node) => [constantType(node)],
  ConstantOfShape: (node) => [
    node.attributes.value ? getAttribute(node, "value", "tensor").dataType : DataType.FLOAT,
  ],
  EyeLike: (node, t) => [node.attributes.dtype ? getAttribute(node, "dtype", "int") : t(0)],
  TopK: (node, t) => [t(0), DataType.INT64].slice(0, node.outputs.length),
  Unique: (node, t) => node.outputs.map((_, i) => (i === 0 ? t(0) : DataType.INT64)),
  LayerNormalization: (node, t) =>
    node.outputs.map((_, i) =>
      i === 0
        ? t(0)
        : node.attributes.stash_type
        ? getAttribute(node, "stash_type", "int")
        : DataType.FLOAT
    ),
  "com.microsoft:SkipLayerNormalization": (node, t) =>
    node.outputs.map((_, i) => (i === 1 || i === 2 ? DataType.FLOAT : t(0))),
  QuantizeLinear: (node, t) => [node.inputs[2] ? t(2) : DataType.UINT8],
  DequantizeLinear: same(1),
  DynamicQuantizeLinear: () => [DataType.UINT8, DataType.FLOAT, DataType.UINT8],
  MatMulInteger: fixed(DataType.INT32),
  ConvInteger: fixed(DataType.INT32),
  QLinearMatMul: same(7),
  QLinearConv: same(7),
  "com.microsoft:DynamicQuantizeMatMul": fixed(DataType.FLOAT),
  "com.microsoft:MatMulIntegerToFloat": same(2),
};

function constantType(node: Node): number {
  const a = node.attributes;
  if (a.value) return getAttribute(node, "value", "tensor").dataType;
  if (a.value_float || a.value_floats) return DataType.FLOAT;
  if (a.value_int || a.value_ints) return DataType.INT64;
  if (a.value_string || a.value_strings) return DataType.STRING;
  return DataType.UNDEFINED;
}

/**
 * The element type (`DataType` code) of every value of `graph`: graph inputs, initializers, and
 * each node output, inferred in topological order. Declared `value_info`/output types win over
 * the inference; values that cannot be inferred get `DataType.UNDEFINED` (0).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DataType, GraphBuilder } from "../onnx/mod.ts";
 * import { inferElemTypes } from "./elem_types.ts";
 * const b = new GraphBuilder();
 * const x = b.input("x", DataType.FLOAT, [2]);
 * const shape = b.op("Shape", [x]);
 * const eq = b.op("Equal", [x, x]);
 * const types = inferElemTypes(b.build());
 * assert.equal(types.get(shape), DataType.INT64);
 * assert.equal(types.get(eq), DataType.BOOL);
 * ```
 */
export function inferElemTypes(graph: Graph): Map<string, number> {
  const types = new Map<string, number>();
  const declared = new Map<string, number>();
  for (const v of [...graph.valueInfo, ...graph.outputs]) {
    if (v.elemType) declared.set(v.name, v.elemType);
  }
  for (const v of graph.inputs) types.set(v.name, v.elemType);
  for (const t of graph.initializers) if (!types.has(t.name)) types.set(t.name, t.dataType);
  for (const node of topologicalSort(graph)) {
    const inputType = (i: number) => {
      const name = node.inputs[i];
      return name ? types.get(name) ?? DataType.UNDEFINED : DataType.UNDEFINED;
    };
    const rule = RULES[opKey(node)] ?? firstKnown;
    let inferred: number[];
    try {
      inferred = rule(node, inputType);
    } catch {
      inferred = [];
    }
    node.outputs.forEach((out, i) => {
      if (!out) return;
      types.set(out, declared.get(out) ?? inferred[i] ?? DataType.UNDEFINED);
    });
  }
  return types;
}
