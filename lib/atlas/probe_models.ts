/**
 * The models an atlas runs: a model with some of its values exposed as extra graph outputs, and
 * the variant *cut* at those values, so that each segment between them computes from FP32 inputs
 * (the local error).
 *
 * @module
 */

import {
  attr,
  cloneModel,
  DataType,
  type Model,
  type Node,
  removeDeadNodes,
  topologicalSort,
} from "../onnx/mod.ts";

/** A value to expose: its name and its element type in the model (`DataType`). */
export interface ProbeTensor {
  name: string;
  type: number;
}

/** A model with exposed values, and the graph output each one is read from (always float32). */
export interface ProbeModel {
  model: Model;
  /** Tensor name → graph output name. */
  outputs: Map<string, string>;
}

/** A cut model: its exposed values, and the graph input that feeds each cut value's FP32 copy. */
export interface CutModel extends ProbeModel {
  /** Tensor name → graph input name (float32). */
  inputs: Map<string, string>;
}

const PREFIX = "atlas";

/**
 * A copy of `model` (tensor data shared) whose outputs are exactly `tensors`, as float32 (a Cast
 * is added after FP16/BF16 values); nodes nothing needs any more are dropped.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createModel, DataType, GraphBuilder } from "../onnx/mod.ts";
 * import { probeModel } from "./probe_models.ts";
 * const b = new GraphBuilder("g");
 * const x = b.input("x", DataType.FLOAT, [2]);
 * const h = b.op("Relu", [x]);
 * b.output(b.op("Neg", [h]), DataType.FLOAT, [2], { rename: "y" });
 * const probe = probeModel(createModel(b.build()), [{ name: h, type: DataType.FLOAT }]);
 * assert.deepEqual(probe.model.graph.outputs.map((o) => o.name), [h]);
 * assert.equal(probe.model.graph.nodes.length, 1);
 * ```
 */
export function probeModel(model: Model, tensors: readonly ProbeTensor[]): ProbeModel {
  const copy = cloneModel(model, { shareTensorData: true });
  const outputs = exposeAsFloat(copy, tensors);
  removeDeadNodes(copy.graph);
  return { model: copy, outputs };
}

/**
 * A copy of `variant` cut at `tensors`: every node that reads one of them reads a new float32
 * graph input instead (cast to the variant's type when that is FP16/BF16), which the atlas feeds
 * with the FP32 model's value; the variant's own values are exposed as in {@link probeModel}.
 * Each exposed value is then computed by the variant's nodes between it and the cut values
 * before it, from FP32 inputs: its *local* error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createModel, DataType, GraphBuilder } from "../onnx/mod.ts";
 * import { cutModel } from "./probe_models.ts";
 * const b = new GraphBuilder("g");
 * const x = b.input("x", DataType.FLOAT, [2]);
 * const h = b.op("Relu", [x]);
 * b.output(b.op("Neg", [h]), DataType.FLOAT, [2], { rename: "y" });
 * const cut = cutModel(createModel(b.build()), [{ name: h, type: DataType.FLOAT }, { name: "y", type: DataType.FLOAT }]);
 * const neg = cut.model.graph.nodes.find((n) => n.opType === "Neg")!;
 * assert.deepEqual(neg.inputs, [cut.inputs.get(h)]);
 * assert.deepEqual(cut.model.graph.outputs.map((o) => o.name), [h, "y"]);
 * ```
 */
export function cutModel(variant: Model, tensors: readonly ProbeTensor[]): CutModel {
  const copy = cloneModel(variant, { shareTensorData: true });
  const { graph } = copy;
  const graphInputs = new Set(graph.inputs.map((i) => i.name));
  const inputs = new Map<string, string>();
  const sources = new Map<string, string>();
  const added: Node[] = [];
  for (const t of tensors) {
    if (graphInputs.has(t.name)) continue;
    const input = `${PREFIX}/fp32/${t.name}`;
    graph.inputs.push({ name: input, elemType: DataType.FLOAT });
    inputs.set(t.name, input);
    if (t.type === DataType.FLOAT) {
      sources.set(t.name, input);
      continue;
    }
    const cast = `${input}/cast`;
    added.push(castNode(input, cast, t.type));
    sources.set(t.name, cast);
  }
  for (const node of graph.nodes) {
    node.inputs = node.inputs.map((name) => sources.get(name) ?? name);
  }
  graph.nodes.push(...added);
  const outputs = exposeAsFloat(copy, tensors);
  graph.nodes = topologicalSort(graph);
  removeDeadNodes(graph);
  return { model: copy, outputs, inputs };
}

function exposeAsFloat(model: Model, tensors: readonly ProbeTensor[]): Map<string, string> {
  const { graph } = model;
  const outputs = new Map<string, string>();
  graph.outputs = [];
  for (const t of tensors) {
    let name = t.name;
    if (t.type !== DataType.FLOAT) {
      name = `${PREFIX}/out/${t.name}`;
      graph.nodes.push(castNode(t.name, name, DataType.FLOAT));
    }
    graph.outputs.push({ name, elemType: DataType.FLOAT });
    outputs.set(t.name, name);
  }
  graph.nodes = topologicalSort(graph);
  return outputs;
}

function castNode(input: string, output: string, to: number): Node {
  return {
    name: `${output}/Cast`,
    opType: "Cast",
    domain: "",
    inputs: [input],
    outputs: [output],
    attributes: { to: attr.int(to) },
  };
}
