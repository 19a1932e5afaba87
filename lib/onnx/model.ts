/**
 * The editable in-memory ONNX model: plain objects and arrays that passes change in place.
 *
 * @module
 */

import type { AttributeValue } from "./attribute.ts";
import type { Tensor } from "./tensor.ts";

/**
 * One operator application. `domain` is `""` for the default ONNX domain (`ai.onnx`). An input
 * name of `""` marks an omitted optional input, as in ONNX.
 */
export interface Node {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: Record<string, AttributeValue>;
  docString?: string;
}

/** A dimension: a fixed size, a symbolic name (`"batch"`), or `null` when unknown. */
export type Dim = number | string | null;

/**
 * The declared type of a graph input, output or intermediate value. `elemType` is a `DataType`
 * code (0 when the value is not a tensor or its type is unknown); `shape` is absent when unknown.
 */
export interface ValueInfo {
  name: string;
  elemType: number;
  shape?: Dim[];
  docString?: string;
}

/**
 * A graph. `nodes` are in topological order when read from a valid model and after
 * `topologicalSort`; `initializers` are the constant tensors (weights) nodes read by name.
 */
export interface Graph {
  name: string;
  nodes: Node[];
  initializers: Tensor[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  valueInfo: ValueInfo[];
  docString?: string;
}

/** An operator set the model uses: domain (`""` = ai.onnx) and version. */
export interface OpsetImport {
  domain: string;
  version: number;
}

/** A model: its graph, the operator sets it needs, and its metadata (`metadata_props`). */
export interface Model {
  irVersion: number;
  opsetImports: OpsetImport[];
  producerName: string;
  producerVersion: string;
  domain?: string;
  modelVersion?: number;
  docString?: string;
  graph: Graph;
  metadata: Record<string, string>;
}

/** The IR version the kit writes by default (ONNX 1.10's IR_VERSION, what onnx-proto knows). */
export const DEFAULT_IR_VERSION = 8;

/** The default-domain opset the kit builds for. */
export const DEFAULT_OPSET = 17;

/** Options of {@link createModel}. */
export interface CreateModelOptions {
  /** Version of the default (`ai.onnx`) opset; default {@link DEFAULT_OPSET}. */
  opset?: number;
  /** Further opsets, e.g. `{ domain: "com.microsoft", version: 1 }`. */
  extraOpsets?: OpsetImport[];
  irVersion?: number;
  producerName?: string;
  producerVersion?: string;
  metadata?: Record<string, string>;
}

/**
 * An empty graph named `name`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createGraph } from "./model.ts";
 * assert.equal(createGraph("g").nodes.length, 0);
 * ```
 */
export function createGraph(name = "graph"): Graph {
  return { name, nodes: [], initializers: [], inputs: [], outputs: [], valueInfo: [] };
}

/**
 * A model around `graph`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createGraph, createModel } from "./model.ts";
 * const model = createModel(createGraph(), { opset: 14 });
 * assert.deepEqual(model.opsetImports, [{ domain: "", version: 14 }]);
 * ```
 */
export function createModel(graph: Graph, options: CreateModelOptions = {}): Model {
  return {
    irVersion: options.irVersion ?? DEFAULT_IR_VERSION,
    opsetImports: [
      { domain: "", version: options.opset ?? DEFAULT_OPSET },
      ...(options.extraOpsets ?? []),
    ],
    producerName: options.producerName ?? "workshop-kit",
    producerVersion: options.producerVersion ?? "1",
    graph,
    metadata: { ...(options.metadata ?? {}) },
  };
}

/**
 * The version of the default-domain (`ai.onnx`) opset the model imports, or `undefined`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createGraph, createModel, opsetVersion } from "./model.ts";
 * assert.equal(opsetVersion(createModel(createGraph(), { opset: 14 })), 14);
 * ```
 */
export function opsetVersion(model: Model, domain = ""): number | undefined {
  const normalized = domain === "ai.onnx" ? "" : domain;
  return model.opsetImports.find((o) => (o.domain === "ai.onnx" ? "" : o.domain) === normalized)
    ?.version;
}

/** Options of {@link cloneModel}. */
export interface CloneOptions {
  /**
   * Share the tensors' typed arrays with the original instead of copying them (default false).
   * Cheap for large models; then replace a tensor's `data` rather than writing into it.
   */
  shareTensorData?: boolean;
}

/**
 * A deep copy of `model` that passes can change without touching the original.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cloneModel, createGraph, createModel } from "./model.ts";
 * const a = createModel(createGraph("a"));
 * const b = cloneModel(a);
 * b.graph.name = "b";
 * assert.equal(a.graph.name, "a");
 * ```
 */
export function cloneModel(model: Model, options: CloneOptions = {}): Model {
  if (!options.shareTensorData) return structuredClone(model);
  return { ...cloneShallowParts(model), graph: cloneGraphSharing(model.graph) };
}

function cloneShallowParts(model: Model): Model {
  return structuredClone({ ...model, graph: undefined as unknown as Graph });
}

function cloneGraphSharing(graph: Graph): Graph {
  return {
    ...structuredClone({ ...graph, nodes: [], initializers: [] }),
    initializers: graph.initializers.map(cloneTensorSharing),
    nodes: graph.nodes.map((node) => ({
      ...node,
      inputs: [...node.inputs],
      outputs: [...node.outputs],
      attributes: Object.fromEntries(
        Object.entries(node.attributes).map(([k, v]) => [k, cloneAttributeSharing(v)]),
      ),
    })),
  };
}

function cloneTensorSharing(tensor: Tensor): Tensor {
  return { ...tensor, dims: [...tensor.dims] };
}

function cloneAttributeSharing(value: AttributeValue): AttributeValue {
  switch (value.type) {
    case "tensor":
      return { type: "tensor", value: cloneTensorSharing(value.value) };
    case "tensors":
      return { type: "tensors", value: value.value.map(cloneTensorSharing) };
    case "graph":
      return { type: "graph", value: cloneGraphSharing(value.value) };
    case "graphs":
      return { type: "graphs", value: value.value.map(cloneGraphSharing) };
    case "ints":
    case "floats":
    case "strings":
      return { type: value.type, value: [...value.value] } as AttributeValue;
    default:
      return { ...value };
  }
}
