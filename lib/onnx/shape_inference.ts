/**
 * Symbolic shape inference: the element type, the shape (with named dims such as `batch` kept as
 * symbols) and, for small integer tensors such as those Reshape reads, the values (also possibly
 * symbolic) of every value in a graph. Passes use it to check that a pattern is safe (both
 * operands of an Add have the same shape) and to turn shape subgraphs into constants.
 *
 * @module
 */

import { topologicalSort } from "./graph_ops.ts";
import { type Graph, type Model, type Node, opsetVersion } from "./model.ts";
import type { Tensor } from "./tensor.ts";
import { SHAPE_RULES } from "./shape_rules.ts";
import {
  MAX_TRACKED_VALUES,
  type RuleContext,
  type SymDim,
  type ValueFacts,
} from "./shape_types.ts";

export * from "./shape_types.ts";

/**
 * The facts of every value of `model`'s graph: graph inputs (named dims become symbols),
 * initializers and `Constant` nodes, then each node in topological order by its op's rule.
 * Values of unknown ops have no facts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createModel, DataType, GraphBuilder } from "./mod.ts";
 * import { ShapeFacts } from "./shape_inference.ts";
 * const b = new GraphBuilder();
 * const x = b.input("x", DataType.FLOAT, ["batch", "seq", 8]);
 * const shape = b.op("Shape", [x]);
 * const batch = b.op("Gather", [shape, b.constant("zero", DataType.INT64, [], [0])]);
 * const y = b.op("MatMul", [x, b.initializer("w", DataType.FLOAT, [8, 4])]);
 * b.output(y, DataType.FLOAT);
 * const facts = new ShapeFacts(createModel(b.build()));
 * assert.deepEqual(facts.shape(y), ["batch", "seq", 4]);
 * assert.deepEqual(facts.value(batch), ["batch"]);
 * ```
 */
export class ShapeFacts {
  readonly #facts = new Map<string, ValueFacts>();
  readonly #constants = new Map<string, Tensor>();
  #next = 0;

  constructor(model: Model) {
    const { graph } = model;
    const opset = opsetVersion(model) ?? 17;
    this.#seed(graph);
    for (const node of topologicalSort(graph)) this.#infer(node, opset);
  }

  /** Everything known about `value`. */
  get(value: string): ValueFacts | undefined {
    return this.#facts.get(value);
  }

  /** The shape of `value` when its rank is known. */
  shape(value: string): SymDim[] | undefined {
    return this.#facts.get(value)?.shape;
  }

  /** The (possibly symbolic) elements of a small integer tensor. */
  value(value: string): SymDim[] | undefined {
    return this.#facts.get(value)?.value;
  }

  /** The element type of `value` (0 when unknown). */
  elemType(value: string): number {
    return this.#facts.get(value)?.elemType ?? 0;
  }

  /** Whether both values have known shapes with the same dims (symbols compared by name). */
  sameShape(a: string, b: string): boolean {
    const sa = this.shape(a);
    const sb = this.shape(b);
    return !!sa && !!sb && sa.length === sb.length && sa.every((d, i) => d === sb[i]);
  }

  #fresh = (): string => `?${++this.#next}`;

  #seed(graph: Graph): void {
    for (const t of graph.initializers) {
      this.#constants.set(t.name, t);
      this.#facts.set(t.name, tensorFacts(t));
    }
    for (const input of graph.inputs) {
      if (this.#constants.has(input.name)) {
        this.#constants.delete(input.name); // an overridable initializer is not a constant
      }
      this.#facts.set(input.name, {
        elemType: input.elemType,
        ...(input.shape ? { shape: input.shape.map((d) => d ?? this.#fresh()) } : {}),
      });
    }
  }

  #infer(node: Node, opset: number): void {
    if (node.opType === "Constant" && node.domain === "") {
      const tensor = constantNodeTensor(node);
      if (tensor) {
        this.#constants.set(node.outputs[0], tensor);
        this.#facts.set(node.outputs[0], tensorFacts(tensor));
      }
      return;
    }
    const rule = SHAPE_RULES[ruleKey(node)];
    if (!rule) return;
    const ctx: RuleContext = {
      node,
      inputs: node.inputs.map((i) => (i ? this.#facts.get(i) : undefined)),
      constant: (i) => (node.inputs[i] ? this.#constants.get(node.inputs[i]) : undefined),
      fresh: this.#fresh,
      opset,
    };
    let outputs: (ValueFacts | undefined)[];
    try {
      outputs = rule(ctx);
    } catch {
      return; // inconsistent inputs: leave the outputs unknown rather than guess
    }
    node.outputs.forEach((out, i) => {
      const facts = outputs[i];
      if (out && facts) this.#facts.set(out, facts);
    });
  }
}

/** `"Add"` for the default domain, `"com.microsoft:Attention"` otherwise. */
function ruleKey(node: Pick<Node, "opType" | "domain">): string {
  return node.domain && node.domain !== "ai.onnx" ? `${node.domain}:${node.opType}` : node.opType;
}

/** The tensor a `Constant` node outputs (any of its value attributes), or `undefined`. */
export function constantNodeTensor(node: Node): Tensor | undefined {
  const a = node.attributes;
  const name = node.outputs[0];
  if (a.value?.type === "tensor") return { ...a.value.value, name };
  if (a.value_float?.type === "float") {
    return { name, dataType: 1, dims: [], data: new Float32Array([a.value_float.value]) };
  }
  if (a.value_floats?.type === "floats") {
    const v = a.value_floats.value;
    return { name, dataType: 1, dims: [v.length], data: new Float32Array(v) };
  }
  if (a.value_int?.type === "int") {
    return { name, dataType: 7, dims: [], data: new BigInt64Array([BigInt(a.value_int.value)]) };
  }
  if (a.value_ints?.type === "ints") {
    const v = a.value_ints.value;
    return { name, dataType: 7, dims: [v.length], data: BigInt64Array.from(v, (x) => BigInt(x)) };
  }
  return undefined;
}

/** Facts of a constant tensor: its dims, and its values when it is a small integer tensor. */
export function tensorFacts(t: Tensor): ValueFacts {
  const facts: ValueFacts = { elemType: t.dataType, shape: [...t.dims] };
  if (isIntegerType(t.dataType) && t.data.length <= MAX_TRACKED_VALUES) {
    facts.value = Array.from(t.data as ArrayLike<number | bigint>, Number);
  }
  return facts;
}

/** Whether a `DataType` code is an integer (or bool) type. */
function isIntegerType(dataType: number): boolean {
  return [2, 3, 4, 5, 6, 7, 9, 12, 13].includes(dataType);
}
