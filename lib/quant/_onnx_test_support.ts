/**
 * Test support (not public API): read ONNX backend-test TensorProto files and node models, and
 * build and run one-node models in ONNX Runtime, with lib/onnx's decoder and GraphBuilder.
 *
 * @module
 */

import * as ort from "onnxruntime-node";
import {
  attr,
  createModel,
  DataType,
  decodeModel,
  decodeTensorProto,
  encodeModel,
  GraphBuilder,
  opsetVersion,
  type Tensor,
} from "../onnx/mod.ts";
import { createSession } from "../runtime/session.ts";

/** Reads a serialized TensorProto file (`input_N.pb` / `output_N.pb`) into a kit tensor. */
export function readTensorProto(path: string): Tensor {
  return decodeTensorProto(Deno.readFileSync(path), { source: path });
}

/** The operator node(s) of a backend-test model (one, or an expanded function body). */
export interface NodeModel {
  opset: number;
  nodes: {
    opType: string;
    inputs: string[];
    outputs: string[];
    attributes: Record<string, number>;
  }[];
  inputs: string[];
  outputs: string[];
}

/** Reads a backend-test `model.onnx`: its nodes, integer attributes, graph inputs and outputs. */
export function readNodeModel(path: string): NodeModel {
  const model = decodeModel(Deno.readFileSync(path), { source: path });
  const { graph } = model;
  return {
    opset: opsetVersion(model) ?? 0,
    nodes: graph.nodes.map((n) => ({
      opType: n.opType,
      inputs: [...n.inputs],
      outputs: [...n.outputs],
      attributes: Object.fromEntries(
        Object.entries(n.attributes).flatMap(([k, v]) => v.type === "int" ? [[k, v.value]] : []),
      ),
    })),
    inputs: graph.inputs.map((i) => i.name),
    outputs: graph.outputs.map((o) => o.name),
  };
}

/** A graph input or output of {@link buildNodeModel}. */
export interface ValueSpec {
  name: string;
  dataType: DataType;
  /** Fixed dims, or undefined for an unknown shape. */
  dims?: number[];
}

/** Options of {@link buildNodeModel}. */
export interface NodeModelSpec {
  opType: string;
  inputs: ValueSpec[];
  outputs: ValueSpec[];
  /** Integer attributes (`axis`). */
  attributes?: Record<string, number>;
  /** Default-domain opset; default 13. */
  opset?: number;
}

/** Serializes a model with one node whose inputs are all graph inputs. */
export function buildNodeModel(spec: NodeModelSpec): Uint8Array {
  const b = new GraphBuilder(spec.opType);
  for (const i of spec.inputs) b.input(i.name, i.dataType, i.dims);
  b.node(spec.opType, spec.inputs.map((i) => i.name), {
    outputs: spec.outputs.map((o) => o.name),
    attributes: Object.fromEntries(
      Object.entries(spec.attributes ?? {}).map(([k, v]) => [k, attr.int(v)]),
    ),
  });
  for (const o of spec.outputs) b.output(o.name, o.dataType, o.dims);
  return encodeModel(createModel(b.build(), { opset: spec.opset ?? 13 }));
}

/** A value to feed: its element type, dims and data. */
export interface Feed {
  dataType: DataType;
  dims: number[];
  data: Float32Array | Int8Array | Uint8Array | Int32Array;
}

const ORT_TYPE: Partial<Record<DataType, "float32" | "int8" | "uint8" | "int32">> = {
  [DataType.FLOAT]: "float32",
  [DataType.INT8]: "int8",
  [DataType.UINT8]: "uint8",
  [DataType.INT32]: "int32",
};

/** Runs a one-node model in ONNX Runtime (CPU, one thread) and returns its outputs' data. */
export async function runInOrt(
  modelBytes: Uint8Array,
  feeds: Record<string, Feed>,
): Promise<Record<string, ort.Tensor>> {
  const { session } = await createSession(modelBytes, {
    intraOpThreads: 1,
    graphOptimizationLevel: "disabled",
  });
  try {
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [name, f] of Object.entries(feeds)) {
      ortFeeds[name] = new ort.Tensor(ORT_TYPE[f.dataType]!, f.data, f.dims);
    }
    return await session.run(ortFeeds);
  } finally {
    await session.release();
  }
}

/**
 * Index of the first element where two arrays differ, or -1. Uses `Object.is`, so 0 and -0
 * differ and NaN equals NaN: float32 values compare bit for bit (up to NaN payloads).
 */
export function firstBitDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}
