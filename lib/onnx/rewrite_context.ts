/**
 * The workspace of one graph rewrite, shared by every kind of rewrite (quantization, fusion
 * passes, pruning, weight scaling): the model being rewritten, an index of the graph as it came
 * in (patterns are matched on it), fresh names, and the verbs that change the graph — add a node
 * or an initializer, replace an initializer, rewire readers, mark nodes for removal — plus the
 * clean-ups that finish a rewrite (drop removed nodes, sort, prune what nothing reads).
 *
 * `QuantContext` (`lib/quant`) and `FusionContext` (`lib/fuse`) extend it with what only they
 * need (quantized values, claims and matches).
 *
 * @module
 */

import type { AttributeValue } from "./attribute.ts";
import { dataMatchesType, DataType, type TensorData } from "./data_type.ts";
import { MS_DOMAIN } from "./domains.ts";
import { OnnxGraphError } from "./errors.ts";
import { GraphIndex } from "./graph_index.ts";
import { replaceUses, topologicalSort } from "./graph_ops.ts";
import { cloneModel, type Graph, type Model, type Node, opsetVersion } from "./model.ts";
import { createTensor, type Tensor, type TensorValues } from "./tensor.ts";
import { UniqueNames } from "./unique_names.ts";

/** A node to add with {@link RewriteContext.createNode}. */
export interface NodeSpec {
  opType: string;
  inputs: readonly string[];
  /** Base of the node name (made unique). */
  name: string;
  /** Default `""` (ONNX); `MS_DOMAIN` also imports the contrib opset. */
  domain?: string;
  /** Output names to use as they are (they are reserved so fresh names avoid them). */
  outputs?: readonly string[];
  /** Bases of fresh output names, when `outputs` is not given (default `<name>_output`). */
  freshOutputs?: readonly string[];
  attributes?: Record<string, AttributeValue>;
}

/** Options of {@link RewriteContext}. */
export interface RewriteContextOptions {
  /**
   * Rewrite a copy of the model (sharing tensor data, so tensors must be replaced, never written
   * into) instead of the model itself (default false).
   */
  copy?: boolean;
}

/**
 * One rewrite of a model's graph. Matching reads {@link index}, which describes the graph as it
 * was when the rewrite started; rewriting edits {@link graph}. Removals take effect at
 * {@link dropRemoved}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createModel, DataType, GraphBuilder, RewriteContext } from "./mod.ts";
 * const b = new GraphBuilder("g");
 * const x = b.input("x", DataType.FLOAT, [2]);
 * b.output(b.op("Relu", [b.op("Identity", [x])]), DataType.FLOAT, [2], { rename: "y" });
 * const model = createModel(b.build());
 * const ctx = new RewriteContext(model, { copy: true });
 * const identity = ctx.graph.nodes[0];
 * const two = ctx.addInitializer("two", DataType.FLOAT, [], [2]);
 * const [doubled] = ctx.createNode({ opType: "Mul", inputs: [x, two], name: "double" }).outputs;
 * ctx.rewire(identity.outputs[0], doubled);
 * ctx.remove([identity]);
 * ctx.dropRemoved();
 * ctx.sort();
 * assert.deepEqual(ctx.graph.nodes.map((n) => n.opType), ["Mul", "Relu"]);
 * assert.equal(model.graph.nodes[0].opType, "Identity"); // the input model is unchanged
 * ```
 */
export class RewriteContext {
  readonly model: Model;
  readonly graph: Graph;
  /** Producers, consumers and constants of the graph as it was when the rewrite started. */
  readonly index: GraphIndex;
  readonly names: UniqueNames;
  readonly #removed = new Set<Node>();

  constructor(model: Model, options: RewriteContextOptions = {}) {
    this.model = options.copy ? cloneModel(model, { shareTensorData: true }) : model;
    this.graph = this.model.graph;
    this.index = new GraphIndex(this.graph);
    this.names = new UniqueNames(this.graph);
  }

  /** The version of the opset `domain` (default: ONNX's) the model imports, if any. */
  opsetOf(domain = ""): number | undefined {
    return opsetVersion(this.model, domain);
  }

  /** The constant tensor behind `value` (initializer or `Constant`), if any. */
  constant(value: string): Tensor | undefined {
    return value ? this.index.constant(value) : undefined;
  }

  /** A FLOAT constant (initializer or `Constant`) named `value`, else undefined. */
  floatConstant(value: string): Tensor | undefined {
    const t = this.constant(value);
    return t?.dataType === DataType.FLOAT ? t : undefined;
  }

  /** Whether `node` is marked for removal. */
  isRemoved(node: Node): boolean {
    return this.#removed.has(node);
  }

  /** Marks `nodes` for removal (they leave the graph at {@link dropRemoved}). */
  remove(nodes: Iterable<Node>): void {
    for (const n of nodes) this.#removed.add(n);
  }

  /** Adds a node to the graph (unsorted: call {@link sort} when done); returns it. */
  createNode(spec: NodeSpec): Node {
    const name = this.names.next(spec.name);
    const outputs = spec.outputs
      ? spec.outputs.map((o) => (this.names.reserve(o), o))
      : (spec.freshOutputs ?? [`${name}_output`]).map((o) => this.names.next(o));
    const node: Node = {
      name,
      opType: spec.opType,
      domain: spec.domain ?? "",
      inputs: [...spec.inputs],
      outputs,
      attributes: { ...(spec.attributes ?? {}) },
    };
    if (node.domain === MS_DOMAIN) this.useMicrosoftDomain();
    this.graph.nodes.push(node);
    return node;
  }

  /** A fresh value name based on `base`. */
  freshName(base: string): string {
    return this.names.next(base);
  }

  /** Adds an initializer under a fresh name based on `base`; returns the name. */
  addInitializer(
    base: string,
    dataType: DataType,
    dims: readonly number[],
    values: TensorValues | ArrayLike<number>,
  ): string {
    const name = this.names.next(base);
    const data = ArrayBuffer.isView(values) && dataMatchesType(dataType, values as TensorData)
      ? values as TensorData
      : Array.from(values as ArrayLike<number>);
    this.graph.initializers.push(createTensor(name, dataType, [...dims], data));
    return name;
  }

  /** Replaces the data of initializer `name` (the tensor object is replaced, not written into). */
  replaceInitializer(name: string, tensor: Omit<Tensor, "name">): void {
    const i = this.graph.initializers.findIndex((t) => t.name === name);
    if (i < 0) {
      throw new OnnxGraphError(
        `Initializer "${name}" is not in graph "${this.graph.name}"; add it with addInitializer.`,
      );
    }
    this.graph.initializers[i] = { ...tensor, name };
  }

  /** Makes every reader of `from` read `to`, subgraphs included (graph outputs keep names). */
  rewire(from: string, to: string): void {
    replaceUses(this.graph, from, to);
  }

  /** Drops declared types of `values` (their shapes changed; ORT infers them again). */
  forgetValueInfo(values: Iterable<string>): void {
    const drop = new Set(values);
    this.graph.valueInfo = this.graph.valueInfo.filter((v) => !drop.has(v.name));
  }

  /** Imports the `com.microsoft` opset (version 1) if the model does not yet. */
  useMicrosoftDomain(): void {
    if (opsetVersion(this.model, MS_DOMAIN) === undefined) {
      this.model.opsetImports.push({ domain: MS_DOMAIN, version: 1 });
    }
  }

  /** Takes the nodes marked for removal out of the graph. */
  dropRemoved(): void {
    if (this.#removed.size > 0) {
      this.graph.nodes = this.graph.nodes.filter((n) => !this.#removed.has(n));
    }
  }

  /** Sorts the graph's nodes topologically. */
  sort(): void {
    this.graph.nodes = topologicalSort(this.graph);
  }

  /** Removes initializers (not graph inputs) and value infos that no node or output uses. */
  pruneUnused(): void {
    const graph = this.graph;
    const used = new Set<string>(graph.outputs.map((o) => o.name));
    const produced = new Set<string>();
    for (const node of graph.nodes) {
      for (const i of node.inputs) used.add(i);
      for (const o of node.outputs) produced.add(o);
    }
    const inputs = new Set(graph.inputs.map((i) => i.name));
    graph.initializers = graph.initializers.filter((t) => used.has(t.name) || inputs.has(t.name));
    graph.valueInfo = graph.valueInfo.filter((v) => produced.has(v.name) || used.has(v.name));
  }
}
