/**
 * A builder that adds nodes, initializers, inputs and outputs to a graph with unique, readable
 * names (`/distilbert/embeddings/LayerNorm/ReduceMean`, outputs `<node>_output_0`).
 *
 * @module
 */

import type { AttributeValue } from "./attribute.ts";
import type { DataType } from "./data_type.ts";
import { OnnxGraphError } from "./errors.ts";
import { outerReferences } from "./graph_index.ts";
import { topologicalSort } from "./graph_ops.ts";
import { createGraph, type Dim, type Graph, type Node } from "./model.ts";
import { createTensor, type TensorValues } from "./tensor.ts";
import { UniqueNames } from "./unique_names.ts";

/** Options of {@link GraphBuilder.node}. */
export interface NodeOptions {
  /** The node's name within the builder's scope (default: its op type), made unique. */
  name?: string;
  attributes?: Record<string, AttributeValue>;
  /** Operator domain; `""` (default) is ai.onnx. */
  domain?: string;
  /** Output names to use as given (must be unused), or how many to generate (default 1). */
  outputs?: number | string[];
}

interface SharedState {
  graph: Graph;
  names: UniqueNames;
}

/** Hands a scope's shared state to the constructor (see {@link GraphBuilder.scope}). */
let pendingScope: { state: SharedState; prefix: string } | undefined;

/**
 * Builds or extends a graph. Builders made with {@link GraphBuilder.scope} share the graph and
 * name the nodes they add under a path, as the torch exporter does.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DataType, GraphBuilder, attr } from "./mod.ts";
 * const b = new GraphBuilder("tiny");
 * const x = b.input("x", DataType.FLOAT, ["batch", 4]);
 * const layer = b.scope("/encoder/layer.0");
 * const w = b.initializer("encoder.layer.0.weight", DataType.FLOAT, [4, 4]);
 * const y = layer.op("MatMul", [x, w]);
 * const z = layer.op("Softmax", [y], { attributes: { axis: attr.int(-1) } });
 * b.output(z, DataType.FLOAT, ["batch", 4]);
 * const graph = b.build();
 * assert.equal(y, "/encoder/layer.0/MatMul_output_0");
 * assert.deepEqual(graph.nodes.map((n) => n.name), ["/encoder/layer.0/MatMul", "/encoder/layer.0/Softmax"]);
 * ```
 */
export class GraphBuilder {
  readonly #state: SharedState;
  /** The scope path of this builder (`""` at the root, else `/a/b`). */
  readonly prefix: string;

  /** A builder for a new graph named `graph`, or adding to an existing graph. */
  constructor(graph: Graph | string = "graph") {
    if (pendingScope) {
      this.#state = pendingScope.state;
      this.prefix = pendingScope.prefix;
      pendingScope = undefined;
      return;
    }
    const g = typeof graph === "string" ? createGraph(graph) : graph;
    this.#state = { graph: g, names: new UniqueNames(g) };
    this.prefix = "";
  }

  /** The graph being built (the same object {@link build} returns). */
  get graph(): Graph {
    return this.#state.graph;
  }

  /** The graph's taken names; `names.next(base)` gives a fresh one. */
  get names(): UniqueNames {
    return this.#state.names;
  }

  /** A builder adding to the same graph, naming nodes under `<prefix>/<path>`. */
  scope(path: string): GraphBuilder {
    const trimmed = path.replace(/^\/+|\/+$/g, "");
    pendingScope = {
      state: this.#state,
      prefix: trimmed ? `${this.prefix}/${trimmed}` : this.prefix,
    };
    return new GraphBuilder();
  }

  /**
   * Adds a node reading `inputs` and returns its output names. The node is named
   * `<prefix>/<options.name ?? opType>` (made unique with `_1`, `_2`, …); generated outputs are
   * `<node name>_output_<i>`.
   */
  node(opType: string, inputs: readonly string[], options: NodeOptions = {}): string[] {
    const { names, graph } = this.#state;
    const leaf = options.name ?? opType;
    const name = names.next(this.prefix ? `${this.prefix}/${leaf}` : leaf);
    const outputs = typeof options.outputs === "object"
      ? options.outputs.map((o) => this.#claim(o, name))
      : Array.from({ length: options.outputs ?? 1 }, (_, i) => names.next(`${name}_output_${i}`));
    const node: Node = {
      name,
      opType,
      domain: options.domain ?? "",
      inputs: [...inputs],
      outputs,
      attributes: { ...(options.attributes ?? {}) },
    };
    graph.nodes.push(node);
    return outputs;
  }

  /** Like {@link node} for a node with exactly one output; returns that output's name. */
  op(opType: string, inputs: readonly string[], options: Omit<NodeOptions, "outputs"> & {
    output?: string;
  } = {}): string {
    const { output, ...rest } = options;
    return this.node(opType, inputs, { ...rest, outputs: output ? [output] : 1 })[0];
  }

  /**
   * Adds an initializer (a constant tensor, e.g. a weight) named `name` (made unique if taken;
   * not prefixed by the scope) and returns its name. `data` defaults to zeros.
   */
  initializer(name: string, dataType: DataType, dims: readonly number[], data?: TensorValues) {
    const unique = this.#state.names.next(name);
    this.#state.graph.initializers.push(createTensor(unique, dataType, dims, data));
    return unique;
  }

  /** Adds a small constant initializer named `<prefix>/<label>` (e.g. an epsilon). */
  constant(label: string, dataType: DataType, dims: readonly number[], data: TensorValues) {
    return this.initializer(this.prefix ? `${this.prefix}/${label}` : label, dataType, dims, data);
  }

  /** Declares a graph input named exactly `name`; returns `name`. */
  input(name: string, elemType: DataType, shape?: readonly Dim[]): string {
    this.#state.graph.inputs.push({
      name: this.#claim(name, "graph input"),
      elemType,
      ...(shape ? { shape: [...shape] } : {}),
    });
    return name;
  }

  /**
   * Declares the existing value `value` a graph output. With `options.rename`, the producing
   * node's output is renamed to that name first (it must be free), so outputs get stable names
   * like `logits`.
   */
  output(
    value: string,
    elemType: DataType,
    shape?: readonly Dim[],
    options: { rename?: string } = {},
  ): string {
    let name = value;
    if (options.rename && options.rename !== value) {
      const producer = this.#state.graph.nodes.find((n) => n.outputs.includes(value));
      if (!producer) {
        throw new OnnxGraphError(
          `Cannot rename "${value}" to graph output "${options.rename}": no node produces it.`,
        );
      }
      name = this.#claim(options.rename, producer.name);
      producer.outputs = producer.outputs.map((o) => (o === value ? name : o));
      for (const node of this.#state.graph.nodes) {
        node.inputs = node.inputs.map((i) => (i === value ? name : i));
      }
    }
    this.#state.graph.outputs.push({
      name,
      elemType,
      ...(shape ? { shape: [...shape] } : {}),
    });
    return name;
  }

  /**
   * Checks that every value read is defined (graph input, initializer or node output, each
   * produced once), sorts the nodes topologically and returns the graph. Throws
   * {@link OnnxGraphError} naming the offending node.
   */
  build(): Graph {
    const { graph } = this.#state;
    const defined = new Set<string>([
      ...graph.inputs.map((v) => v.name),
      ...graph.initializers.map((t) => t.name),
    ]);
    for (const node of graph.nodes) {
      for (const out of node.outputs) {
        if (!out) continue;
        if (defined.has(out)) {
          throw new OnnxGraphError(
            `Node "${node.name}" (${node.opType}) outputs "${out}", which is already defined; ` +
              `give the output a fresh name (builder.names.next).`,
          );
        }
        defined.add(out);
      }
    }
    for (const node of graph.nodes) {
      for (const name of [...node.inputs, ...outerReferences(node)]) {
        if (name && !defined.has(name)) {
          throw new OnnxGraphError(
            `Node "${node.name}" (${node.opType}) reads "${name}", which no node, initializer ` +
              `or graph input defines.`,
          );
        }
      }
    }
    for (const out of graph.outputs) {
      if (!defined.has(out.name)) {
        throw new OnnxGraphError(`Graph output "${out.name}" is never produced.`);
      }
    }
    graph.nodes = topologicalSort(graph);
    return graph;
  }

  #claim(name: string, owner: string): string {
    if (this.#state.names.has(name)) {
      throw new OnnxGraphError(
        `Name "${name}" (for ${owner}) is already used in graph "${this.#state.graph.name}"; ` +
          `pick another or let the builder generate one.`,
      );
    }
    this.#state.names.reserve(name);
    return name;
  }
}
