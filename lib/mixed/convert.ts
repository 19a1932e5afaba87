/**
 * FP32 → FP16 / BF16 conversion of an ONNX graph with explicit AMP categories: plan each node
 * (`plan.ts`), convert the constants it reads with correct rounding, insert Casts where a value
 * crosses between float32 and the lower type, and remove the Casts that end up redundant.
 *
 * @module
 */

import {
  attr,
  cloneModel,
  DataType,
  type Graph,
  type Model,
  type Node,
  opsetVersion,
  outerReferences,
  replaceUses,
  type Tensor,
  topologicalSort,
  UniqueNames,
} from "../onnx/mod.ts";
import { CastInserter, removeRedundantCasts } from "./casts.ts";
import { MixedPrecisionError } from "./errors.ts";
import type { MixedPrecisionOptions, PrecisionTarget } from "./options.ts";
import { targetDataType } from "./ort_probe.ts";
import { planMixedPrecision, type PrecisionPlan } from "./plan.ts";
import { MixedPrecisionReport, type TensorCount } from "./precision_report.ts";
import { roundFloat32 } from "./rounding.ts";

/** The converted model and what the conversion did. */
export interface MixedPrecisionResult {
  model: Model;
  report: MixedPrecisionReport;
}

interface ConstantStats {
  converted: number;
  copied: number;
  clamped: TensorCount[];
  overflowed: TensorCount[];
  underflowed: TensorCount[];
}

/**
 * Converts a float32 model to mixed precision (`options.target` fp16 or bf16). The input model is
 * not changed (tensor data is shared, never written). Warnings (constants clamped to ±65504 in
 * fp16, or rounded to ±Infinity in bf16) go to `options.onWarning` and into the report.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createModel, DataType, GraphBuilder } from "../onnx/mod.ts";
 * import { convertToMixedPrecision } from "./convert.ts";
 * const b = new GraphBuilder();
 * const x = b.input("x", DataType.FLOAT, [1, 4]);
 * const w = b.initializer("w", DataType.FLOAT, [4, 4], new Array(16).fill(0.5));
 * b.output(b.op("Softmax", [b.op("MatMul", [x, w])]), DataType.FLOAT, [1, 4], { rename: "y" });
 * const { model, report } = convertToMixedPrecision(createModel(b.build()), { target: "fp16" });
 * assert.deepEqual(model.graph.nodes.map((n) => n.opType), ["Cast", "MatMul", "Cast", "Softmax"]);
 * assert.equal(model.graph.initializers[0].dataType, DataType.FLOAT16);
 * assert.equal(report.casts.final, 2);
 * ```
 */
export function convertToMixedPrecision(
  model: Model,
  options: MixedPrecisionOptions,
): MixedPrecisionResult {
  const { target } = options;
  const opset = opsetVersion(model) ?? 0;
  if (target === "bf16" && opset < 13) {
    throw new MixedPrecisionError(
      `Model graph "${model.graph.name}" imports opset ${opset}; BFLOAT16 Casts need opset 13 ` +
        `or later. Re-export the model at opset ≥ 13 or convert to fp16.`,
    );
  }
  const out = cloneModel(model, { shareTensorData: true });
  const graph = out.graph;
  graph.nodes = topologicalSort(graph);
  const originalCasts = graph.nodes.filter((n) => n.opType === "Cast").length;
  const bytesBefore = initializerBytes(graph);
  const plan = planMixedPrecision(graph, options);
  const names = new UniqueNames(graph);
  const casts = new CastInserter(graph, names);
  const lowType = targetDataType(target);
  const saturate = options.saturate ?? target === "fp16";

  const lowConstant = convertConstants(graph, plan, names, { target, saturate });
  rewriteNodes(graph, plan, casts, lowConstant.names, lowType);
  rewriteGraphIo(graph, plan, casts, options.keepIoFp32 ?? true, lowType);
  for (const v of graph.valueInfo) {
    if (plan.low.has(v.name) && v.elemType === DataType.FLOAT) v.elemType = lowType;
  }
  graph.nodes = topologicalSort(graph);
  const inserted = casts.added.length;
  const removed = removeRedundantCasts(graph);
  const report = new MixedPrecisionReport({
    target,
    options: {
      keepIoFp32: options.keepIoFp32 ?? true,
      runtime: options.runtime ?? "ort-cpu",
      missingKernels: options.missingKernels ?? "emulate",
      saturate,
      excludeNodes: [...(options.excludeNodes ?? [])],
    },
    nodes: plan.nodes,
    casts: {
      original: originalCasts,
      inserted,
      removed,
      final: graph.nodes.filter((n) => n.opType === "Cast").length,
    },
    initializers: {
      converted: lowConstant.stats.converted,
      copied: lowConstant.stats.copied,
      bytesBefore,
      bytesAfter: initializerBytes(graph),
    },
    clamped: lowConstant.stats.clamped,
    overflowed: lowConstant.stats.overflowed,
    underflowed: lowConstant.stats.underflowed,
  });
  const warn = options.onWarning ?? ((message: string) => console.warn(message));
  for (const message of report.warnings) warn(message);
  return { model: out, report };
}

function initializerBytes(graph: Graph): number {
  return graph.initializers.reduce((n, t) => n + t.data.byteLength, 0);
}

/** Which constants the lower-precision nodes read, converted; returns name → low name. */
function convertConstants(
  graph: Graph,
  plan: PrecisionPlan,
  names: UniqueNames,
  options: { target: PrecisionTarget; saturate: boolean },
): { names: Map<string, string>; stats: ConstantStats } {
  const needs = new Map<string, { low: boolean; fp32: boolean }>();
  const need = (name: string, low: boolean) => {
    const entry = needs.get(name) ?? { low: false, fp32: false };
    if (low) entry.low = true;
    else entry.fp32 = true;
    needs.set(name, entry);
  };
  for (const node of graph.nodes) {
    const decision = plan.byNode.get(node);
    const lowInputs = new Set(
      decision && decision.precision !== "fp32" && decision.category !== "cast"
        ? plan.floatInputs.get(node)
        : [],
    );
    node.inputs.forEach((name, i) => {
      if (plan.constants.has(name)) need(name, lowInputs.has(i));
    });
    for (const name of outerReferences(node)) if (plan.constants.has(name)) need(name, false);
  }
  for (const o of graph.outputs) if (plan.constants.has(o.name)) need(o.name, false);

  const stats: ConstantStats = {
    converted: 0,
    copied: 0,
    clamped: [],
    overflowed: [],
    underflowed: [],
  };
  const lowNames = new Map<string, string>();
  const initializers = new Map(graph.initializers.map((t, i) => [t.name, i]));
  const constantNodes = new Map<string, Node>();
  for (const node of graph.nodes) {
    if (node.opType === "Constant") constantNodes.set(node.outputs[0], node);
  }
  const lowType = targetDataType(options.target);
  const round = (tensor: Tensor, name: string, label: string): Tensor => {
    const r = roundFloat32(tensor.data as Float32Array, options.target, {
      saturate: options.saturate,
    });
    const count = (n: number) => ({ tensor: label, count: n, maxAbs: r.maxAbs });
    if (r.clamped) stats.clamped.push(count(r.clamped));
    if (r.overflowed) stats.overflowed.push(count(r.overflowed));
    if (r.underflowed) stats.underflowed.push(count(r.underflowed));
    return { name, dataType: lowType, dims: [...tensor.dims], data: r.bits };
  };
  for (const [name, need] of needs) {
    if (!need.low) continue;
    const lowName = need.fp32 ? names.next(`${name}_${options.target}`) : name;
    lowNames.set(name, lowName);
    const at = initializers.get(name);
    if (at !== undefined) {
      const tensor = graph.initializers[at];
      const converted = round(tensor, lowName, name);
      if (need.fp32) {
        graph.initializers.push(converted);
        stats.copied++;
      } else {
        graph.initializers[at] = converted;
      }
      stats.converted++;
      continue;
    }
    const node = constantNodes.get(name);
    const value = node?.attributes.value;
    if (!node || value?.type !== "tensor") {
      continue; // value_float(s) constants are read in float32 via a Cast (see rewriteNodes)
    }
    const converted = round(value.value, value.value.name, name);
    const lowNode: Node = {
      ...node,
      name: need.fp32 ? names.next(`${node.name}_${options.target}`) : node.name,
      outputs: [lowName],
      attributes: { ...node.attributes, value: attr.tensor(converted) },
    };
    if (need.fp32) graph.nodes.push(lowNode);
    else graph.nodes[graph.nodes.indexOf(node)] = lowNode;
    stats.converted++;
    if (need.fp32) stats.copied++;
  }
  return { names: lowNames, stats };
}

function rewriteNodes(
  graph: Graph,
  plan: PrecisionPlan,
  casts: CastInserter,
  lowConstants: Map<string, string>,
  lowType: number,
): void {
  for (const node of [...graph.nodes]) {
    const decision = plan.byNode.get(node);
    if (!decision || decision.category === "cast") {
      castOuterReferences(node, plan, casts);
      continue;
    }
    const floatIns = plan.floatInputs.get(node) ?? [];
    if (decision.precision === "fp32") {
      for (const i of floatIns) {
        const name = node.inputs[i];
        if (plan.low.has(name)) node.inputs[i] = casts.cast(name, DataType.FLOAT);
      }
      castOuterReferences(node, plan, casts);
      continue;
    }
    for (const i of floatIns) {
      const name = node.inputs[i];
      if (plan.constants.has(name)) {
        node.inputs[i] = lowConstants.get(name) ?? casts.cast(name, lowType);
      } else if (!plan.low.has(name)) {
        node.inputs[i] = casts.cast(name, lowType);
      }
    }
    if (decision.compute !== "kit-casts") continue;
    for (const i of floatIns) node.inputs[i] = casts.cast(node.inputs[i], DataType.FLOAT);
    node.outputs = node.outputs.map((out) => {
      if (!out || plan.types.get(out) !== DataType.FLOAT) return out;
      return casts.castInto(out, lowType, `${out}/fp32`).input;
    });
  }
}

/** A subgraph reading a lower-precision value of this graph reads it cast to float32. */
function castOuterReferences(node: Node, plan: PrecisionPlan, casts: CastInserter): void {
  for (const name of outerReferences(node)) {
    if (!plan.low.has(name)) continue;
    const fp32 = casts.cast(name, DataType.FLOAT);
    for (const value of Object.values(node.attributes)) {
      if (value.type === "graph") replaceUses(value.value, name, fp32);
      if (value.type === "graphs") { for (const g of value.value) replaceUses(g, name, fp32); }
    }
  }
}

function rewriteGraphIo(
  graph: Graph,
  plan: PrecisionPlan,
  casts: CastInserter,
  keepIoFp32: boolean,
  lowType: number,
): void {
  if (!keepIoFp32) {
    for (const v of graph.inputs) {
      if (plan.low.has(v.name) && v.elemType === DataType.FLOAT) v.elemType = lowType;
    }
  }
  const producers = new Map<string, Node>();
  for (const node of graph.nodes) for (const out of node.outputs) producers.set(out, node);
  for (const output of graph.outputs) {
    if (plan.types.get(output.name) !== DataType.FLOAT || plan.constants.has(output.name)) continue;
    const isLow = plan.low.has(output.name);
    const wantLow = !keepIoFp32;
    if (wantLow) output.elemType = lowType;
    if (isLow === wantLow) continue;
    const producer = producers.get(output.name);
    if (!producer) {
      throw new MixedPrecisionError(
        `Graph output "${output.name}" of graph "${graph.name}" is a graph input and cannot ` +
          `change type; convert with keepIoFp32: true.`,
      );
    }
    const tag = isLow ? (lowType === DataType.FLOAT16 ? "fp16" : "bf16") : "fp32";
    const { input } = casts.castInto(
      output.name,
      wantLow ? lowType : DataType.FLOAT,
      `${output.name}/${tag}`,
    );
    replaceUses(graph, output.name, input);
    producer.outputs = producer.outputs.map((o) => (o === output.name ? input : o));
  }
}
