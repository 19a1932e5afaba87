/**
 * The workspace of one pass run: a copy of the model to rewrite, a snapshot index and shape facts
 * of the graph as it came in (patterns are matched on these), fresh names, and the matches found.
 *
 * @module
 */

import {
  type AttributeValue,
  cloneModel,
  createTensor,
  type DataType,
  type Graph,
  GraphIndex,
  type Model,
  type Node,
  opsetVersion,
  removeDeadNodes,
  replaceUses,
  type Tensor,
  type TensorValues,
  UniqueNames,
} from "../onnx/mod.ts";
import { FusionError } from "./errors.ts";
import { ShapeFacts } from "./shape_inference.ts";
import type { PassMatch, PassResult } from "./types.ts";

/** The contrib-op domain of ONNX Runtime. */
export const MS_DOMAIN = "com.microsoft";

/** A node to add (see {@link RewriteContext.addNode}). */
export interface NewNode {
  opType: string;
  domain?: string;
  inputs: string[];
  /** Output names; use the replaced pattern's output names so the graph's values keep theirs. */
  outputs: string[];
  attributes?: Record<string, AttributeValue>;
  /** Nodes it replaces: the new node is named in their common scope (`/…/layer.0/…/OpType`). */
  replaces: readonly Node[];
  /** The name to use (made unique) instead of `<scope>/<opType>`. */
  name?: string;
}

/**
 * A pass's workspace. Matching reads {@link index} and {@link facts}, which describe the graph as
 * it was when the pass started; rewriting edits {@link graph} (a copy sharing tensor data, so
 * tensors must be replaced, never written into). {@link finish} drops the replaced nodes, removes
 * what became dead and sorts the graph.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createModel, DataType, GraphBuilder } from "../onnx/mod.ts";
 * import { RewriteContext } from "./context.ts";
 * const b = new GraphBuilder();
 * const x = b.input("x", DataType.FLOAT, [2]);
 * b.output(b.op("Relu", [b.op("Identity", [x])]), DataType.FLOAT, [2]);
 * const model = createModel(b.build());
 * const ctx = new RewriteContext(model);
 * const identity = ctx.graph.nodes[0];
 * ctx.rewire(identity.outputs[0], identity.inputs[0]);
 * ctx.remove([identity]);
 * ctx.record({ nodes: [identity.name], replacement: [] });
 * const { model: out, matches } = ctx.finish();
 * assert.deepEqual(out.graph.nodes.map((n) => n.opType), ["Relu"]);
 * assert.equal(model.graph.nodes.length, 2); // the input model is unchanged
 * assert.equal(matches.length, 1);
 * ```
 */
export class RewriteContext {
  readonly model: Model;
  readonly graph: Graph;
  readonly index: GraphIndex;
  readonly names: UniqueNames;
  readonly matches: PassMatch[] = [];
  readonly notes: string[] = [];
  readonly #removed = new Set<Node>();
  readonly #claimed = new Set<Node>();
  /** Shape facts of the graph as the pass found it. */
  readonly facts: ShapeFacts;

  constructor(model: Model) {
    this.model = cloneModel(model, { shareTensorData: true });
    this.graph = this.model.graph;
    this.index = new GraphIndex(this.graph);
    this.names = new UniqueNames(this.graph);
    this.facts = new ShapeFacts(this.model);
  }

  /** The default-domain opset. */
  get opset(): number {
    return opsetVersion(this.model) ?? 1;
  }

  /** Whether `node` belongs to a match already. */
  isClaimed(node: Node): boolean {
    return this.#claimed.has(node);
  }

  /** Claims `nodes` for one match; false (claiming nothing) if any is taken already. */
  claim(nodes: readonly Node[]): boolean {
    if (nodes.some((n) => this.#claimed.has(n))) return false;
    for (const n of nodes) this.#claimed.add(n);
    return true;
  }

  /** Schedules `nodes` for removal at {@link finish}. */
  remove(nodes: Iterable<Node>): void {
    for (const n of nodes) this.#removed.add(n);
  }

  /** Makes every reader of `from` read `to`, subgraphs included (graph outputs keep names). */
  rewire(from: string, to: string): void {
    replaceUses(this.graph, from, to);
  }

  /** Adds a node named after the scope of the nodes it replaces; returns it. */
  addNode(spec: NewNode): Node {
    const scope = commonScope(spec.replaces.map((n) => n.name));
    const node: Node = {
      name: this.names.next(spec.name ?? (scope ? `${scope}/${spec.opType}` : spec.opType)),
      opType: spec.opType,
      domain: spec.domain ?? "",
      inputs: [...spec.inputs],
      outputs: [...spec.outputs],
      attributes: { ...(spec.attributes ?? {}) },
    };
    for (const o of node.outputs) this.names.reserve(o);
    if (node.domain === MS_DOMAIN) this.useMicrosoftDomain();
    this.graph.nodes.push(node);
    return node;
  }

  /** A fresh value name `<base>_output_0`-style for an intermediate value. */
  newValue(base: string): string {
    return this.names.next(base);
  }

  /** Adds an initializer named `base` (made unique); returns its name. */
  addInitializer(base: string, dataType: DataType, dims: readonly number[], data: TensorValues) {
    const name = this.names.next(base);
    this.graph.initializers.push(createTensor(name, dataType, dims, data));
    return name;
  }

  /** Replaces the data of initializer `name` (the tensor object is replaced, not written into). */
  replaceInitializer(name: string, tensor: Omit<Tensor, "name">): void {
    const i = this.graph.initializers.findIndex((t) => t.name === name);
    if (i < 0) throw new FusionError(`Initializer "${name}" is not in graph "${this.graph.name}".`);
    this.graph.initializers[i] = { ...tensor, name };
  }

  /** Imports the `com.microsoft` opset (version 1) if the model does not yet. */
  useMicrosoftDomain(): void {
    if (!this.model.opsetImports.some((o) => o.domain === MS_DOMAIN)) {
      this.model.opsetImports.push({ domain: MS_DOMAIN, version: 1 });
    }
  }

  /** Records a match. */
  record(match: PassMatch): void {
    this.matches.push(match);
  }

  /** Adds a note for the report (once per distinct text). */
  note(text: string): void {
    if (!this.notes.includes(text)) this.notes.push(text);
  }

  /** Drops declared types of `values` (their shapes changed; ORT infers them again). */
  forgetValueInfo(values: Iterable<string>): void {
    const drop = new Set(values);
    this.graph.valueInfo = this.graph.valueInfo.filter((v) => !drop.has(v.name));
  }

  /** Drops removed nodes, then dead nodes and unused initializers; sorts; returns the result. */
  finish(): PassResult {
    if (this.#removed.size > 0) {
      this.graph.nodes = this.graph.nodes.filter((n) => !this.#removed.has(n));
    }
    if (this.matches.length > 0) removeDeadNodes(this.graph);
    return {
      model: this.model,
      matches: this.matches,
      ...(this.notes.length > 0 ? { notes: this.notes } : {}),
    };
  }
}

/** The longest common `/`-separated prefix of node names (`/a/b/X`, `/a/b/c/Y` → `/a/b`). */
export function commonScope(names: readonly string[]): string {
  if (names.length === 0) return "";
  const parts = names.map((n) => n.split("/").slice(0, -1));
  const first = parts[0];
  let k = 0;
  while (k < first.length && parts.every((p) => p[k] === first[k])) k++;
  return first.slice(0, k).join("/");
}
