/**
 * The precision plan: for every node that reads or writes float tensors, its AMP category, the
 * type it will run in, how the runtime computes it, and why.
 *
 * @module
 */

import { DataType, type Graph, GraphIndex, type Node, topologicalSort } from "../onnx/mod.ts";
import { ampCategories, type AmpCategory, INDEPENDENT_FLOAT_INPUTS } from "./categories.ts";
import { inferElemTypes, opKey } from "./elem_types.ts";
import { MixedPrecisionError } from "./errors.ts";
import type { MixedPrecisionOptions, PrecisionTarget } from "./options.ts";
import { type KernelSupport, ortCpuSupport } from "./ort_support.ts";

/**
 * The category a node was planned under: an AMP category, `"unlisted"` (in no list: float32),
 * `"cast"` (a Cast reads any type), or `"source"` (no float input, e.g. ConstantOfShape).
 */
export type NodeCategory = AmpCategory | "unlisted" | "cast" | "source";

/**
 * How the node's arithmetic runs: `"native"` in the lower type; `"ort-casts"` in float32 between
 * Casts ONNX Runtime inserts; `"kit-casts"` in float32 between Casts the converter inserts
 * (emulation); `"fp32"` in float32.
 */
export type ComputeMode = "native" | "ort-casts" | "kit-casts" | "fp32";

/** The plan for one node. */
export interface NodePrecision {
  name: string;
  /** Op key: `"MatMul"`, `"com.microsoft:Gelu"`. */
  op: string;
  category: NodeCategory;
  /** The type of the node's float tensors after conversion. */
  precision: PrecisionTarget | "fp32";
  compute: ComputeMode;
  reason: string;
}

/** The plan of a whole graph (the converter's first half). */
export interface PrecisionPlan {
  target: PrecisionTarget;
  /** Element types of the float32 graph's values. */
  types: Map<string, number>;
  /** Plans of the nodes that touch float tensors, in topological order. */
  nodes: NodePrecision[];
  /** The same plans by node. */
  byNode: Map<Node, NodePrecision>;
  /** Float inputs of each planned node (positions), those that follow the node's precision. */
  floatInputs: Map<Node, number[]>;
  /** Float values (not constants) that will hold the lower type. */
  low: Set<string>;
  /** Float constants: initializers that are not graph inputs, and Constant outputs. */
  constants: Set<string>;
}

/**
 * Plans the conversion of `graph` without changing it: categories come from the AMP registry,
 * fallthrough ops run in the lower type when every non-constant float input does (the widest type
 * wins, as PyTorch's "promote"), and ops the runtime lacks follow `options.missingKernels`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DataType, GraphBuilder } from "../onnx/mod.ts";
 * import { planMixedPrecision } from "./plan.ts";
 * const b = new GraphBuilder();
 * const x = b.input("x", DataType.FLOAT, [1, 4]);
 * const w = b.initializer("w", DataType.FLOAT, [4, 4]);
 * const y = b.op("Softmax", [b.op("Relu", [b.op("MatMul", [x, w])])]);
 * b.output(y, DataType.FLOAT);
 * const plan = planMixedPrecision(b.build(), { target: "fp16", runtime: "any" });
 * assert.deepEqual(plan.nodes.map((n) => `${n.op}:${n.precision}`), ["MatMul:fp16", "Relu:fp16", "Softmax:fp32"]);
 * ```
 */
export function planMixedPrecision(graph: Graph, options: MixedPrecisionOptions): PrecisionPlan {
  const registry = ampCategories(options);
  const { target } = options;
  const keepIo = options.keepIoFp32 ?? true;
  const excluded = new Set(options.excludeNodes ?? []);
  const known = new Set(graph.nodes.map((n) => n.name));
  const unknown = [...excluded].filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new MixedPrecisionError(
      `excludeNodes names ${unknown.map((n) => `"${n}"`).join(", ")}, not nodes of graph ` +
        `"${graph.name}"; use node names as in report.nodes (e.g. "${graph.nodes[0]?.name}").`,
    );
  }
  const types = inferElemTypes(graph);
  const isFloat = (name: string) => !!name && types.get(name) === DataType.FLOAT;
  const inputNames = new Set(graph.inputs.map((v) => v.name));
  const constants = new Set(
    graph.initializers.filter((t) => t.dataType === DataType.FLOAT && !inputNames.has(t.name))
      .map((t) => t.name),
  );
  const low = new Set<string>();
  if (!keepIo) { for (const v of graph.inputs) if (isFloat(v.name)) low.add(v.name); }
  const plan: PrecisionPlan = {
    target,
    types,
    nodes: [],
    byNode: new Map(),
    floatInputs: new Map(),
    low,
    constants,
  };
  const support = (op: string): KernelSupport =>
    (options.runtime ?? "ort-cpu") === "any" ? "native" : ortCpuSupport(op, target);
  const emulate = (options.missingKernels ?? "emulate") === "emulate";
  const guardNorms = (options.runtime ?? "ort-cpu") === "ort-cpu";
  const index = new GraphIndex(graph);

  for (const node of topologicalSort(graph)) {
    const op = opKey(node);
    const independent = INDEPENDENT_FLOAT_INPUTS[op] ?? [];
    const floatIns = node.inputs.flatMap((name, i) =>
      isFloat(name) && !independent.includes(i) ? [i] : []
    );
    const floatOuts = node.outputs.filter(isFloat);
    if (op === "Constant") {
      for (const out of floatOuts) constants.add(out);
      continue;
    }
    if (floatIns.length === 0 && floatOuts.length === 0) continue;
    const record = (decision: Omit<NodePrecision, "name" | "op">, isLow: boolean) => {
      const entry = { name: node.name, op, ...decision };
      plan.nodes.push(entry);
      plan.byNode.set(node, entry);
      plan.floatInputs.set(node, floatIns);
      if (isLow) { for (const out of floatOuts) low.add(out); }
    };
    const fp32 = (category: NodeCategory, reason: string) =>
      record({ category, precision: "fp32", compute: "fp32", reason }, false);

    if (op === "Cast") {
      const lowIn = floatIns.some((i) => low.has(node.inputs[i]));
      record({
        category: "cast",
        precision: lowIn ? target : "fp32",
        compute: lowIn ? "native" : "fp32",
        reason: "Cast reads any type; its output type is its `to` attribute",
      }, false);
      continue;
    }
    if (floatIns.length === 0) {
      fp32("source", "no float input: writes float32");
      continue;
    }
    const category = registry.categoryOf(op);
    if (excluded.has(node.name)) {
      fp32(category ?? "unlisted", "excluded by options.excludeNodes");
      continue;
    }
    if (Object.values(node.attributes).some((a) => a.type === "graph" || a.type === "graphs")) {
      fp32(category ?? "unlisted", "has a subgraph: kept in float32");
      continue;
    }
    let reason: string;
    if (category === "lowerPrecision") {
      reason = "lower-precision op";
    } else if (category === "fallthrough") {
      const dynamic = floatIns.map((i) => node.inputs[i]).filter((v) => !constants.has(v));
      if (dynamic.length === 0) {
        reason = "follows its constant inputs, converted to the lower type";
      } else if (dynamic.every((v) => low.has(v))) {
        reason = `follows its ${target} input${dynamic.length > 1 ? "s" : ""}`;
      } else {
        fp32(
          category,
          dynamic.some((v) => low.has(v))
            ? "inputs of mixed types: runs in the widest (float32)"
            : "follows its float32 input",
        );
        continue;
      }
    } else if (category === "fp32") {
      fp32(category, "float32 op (range or accumulation needs it)");
      continue;
    } else {
      fp32("unlisted", "in no AMP list: kept in float32");
      continue;
    }
    if (guardNorms && floatOuts.some((out) => startsNormalization(index, out))) {
      fp32(category, ORT_NORM_FUSION_GUARD);
      continue;
    }
    const kernel = support(op);
    if (kernel === "native") {
      record({ category, precision: target, compute: "native", reason }, true);
    } else if (!emulate) {
      fp32(
        category,
        kernel === "ort-casts"
          ? `runtime lacks a ${target} kernel (ORT would cast to float32)`
          : `runtime lacks a ${target} kernel`,
      );
    } else {
      record({
        category,
        precision: target,
        compute: kernel === "none" ? "kit-casts" : "ort-casts",
        reason: `${reason}; runtime lacks a ${target} kernel: float32 math between ${
          kernel === "ort-casts" ? "ORT's" : "the kit's"
        } Casts`,
      }, true);
    }
  }
  return plan;
}

/**
 * Why a node feeding a decomposed LayerNorm stays float32 on ONNX Runtime's CPU provider: ORT
 * 1.30's LayerNormFusion (optimization level "extended" and up) absorbs a FLOAT16/BFLOAT16 → FLOAT
 * Cast in front of the pattern into one LayerNormalization whose input is 16-bit and whose scale
 * is float32 — a node no kernel accepts, so the model fails to load. Keeping the producer in
 * float32 leaves no Cast in front of the pattern.
 */
export const ORT_NORM_FUSION_GUARD =
  "feeds a decomposed LayerNorm: kept float32 because ORT's LayerNormFusion would fuse the " +
  "16-bit→fp32 Cast into a LayerNormalization no kernel accepts";

/** Whether `value` is read by the first op of a normalization pattern (ReduceMean, or Pow → ReduceMean). */
function startsNormalization(index: GraphIndex, value: string): boolean {
  return index.consumers(value).some((c) =>
    c.opType === "ReduceMean" ||
    (c.opType === "Pow" &&
      c.outputs.some((o) => index.consumers(o).some((d) => d.opType === "ReduceMean")))
  );
}
