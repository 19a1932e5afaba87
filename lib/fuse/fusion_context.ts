/**
 * The workspace of one fusion pass run: the kit's graph-rewrite context (`RewriteContext` of
 * `lib/onnx`) on a copy of the model, plus what only fusion needs — shape facts of the graph as
 * it came in (patterns are matched on these), claims (a node belongs to one match), and the
 * matches and notes the pass reports.
 *
 * @module
 */

import {
  type AttributeValue,
  type Linear,
  linearProducing,
  type Model,
  type Node,
  removeDeadNodes,
  RewriteContext,
  ShapeFacts,
} from "../onnx/mod.ts";
import type { PassMatch, PassResult } from "./types.ts";

/** A node to add (see {@link FusionContext.addNode}). */
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
 * import { FusionContext } from "./fusion_context.ts";
 * const b = new GraphBuilder();
 * const x = b.input("x", DataType.FLOAT, [2]);
 * b.output(b.op("Relu", [b.op("Identity", [x])]), DataType.FLOAT, [2]);
 * const model = createModel(b.build());
 * const ctx = new FusionContext(model);
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
export class FusionContext extends RewriteContext {
  readonly matches: PassMatch[] = [];
  readonly notes: string[] = [];
  readonly #claimed = new Set<Node>();
  /** Shape facts of the graph as the pass found it. */
  readonly facts: ShapeFacts;

  constructor(model: Model) {
    super(model, { copy: true });
    this.facts = new ShapeFacts(this.model);
  }

  /** The default-domain opset. */
  get opset(): number {
    return this.opsetOf() ?? 1;
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

  /** Adds a node named after the scope of the nodes it replaces; returns it. */
  addNode(spec: NewNode): Node {
    const scope = commonScope(spec.replaces.map((n) => n.name));
    return this.createNode({
      ...spec,
      name: spec.name ?? (scope ? `${scope}/${spec.opType}` : spec.opType),
    });
  }

  /** A fresh value name `<base>_output_0`-style for an intermediate value. */
  newValue(base: string): string {
    return this.freshName(base);
  }

  /**
   * The unclaimed `MatMul` Linear (with its bias `Add`, whose output keeps the MatMul's shape)
   * whose output is `value` — the onnx layer's Linear finder on the graph as the pass found it.
   */
  linearProducing(value: string): Linear | undefined {
    const linear = linearProducing(value, {
      index: this.index,
      skip: (n) => this.isClaimed(n),
      opTypes: ["MatMul"],
    });
    if (linear?.bias && !this.facts.sameShape(linear.node.outputs[0], value)) return undefined;
    return linear;
  }

  /** Records a match. */
  record(match: PassMatch): void {
    this.matches.push(match);
  }

  /** Adds a note for the report (once per distinct text). */
  note(text: string): void {
    if (!this.notes.includes(text)) this.notes.push(text);
  }

  /** Drops removed nodes, then dead nodes and unused initializers; sorts; returns the result. */
  finish(): PassResult {
    this.dropRemoved();
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
