/**
 * Node attributes of the ONNX model IR. Every value keeps its ONNX kind, so `attr.float(1)` and
 * `attr.int(1)` stay different after a write and a read.
 *
 * @module
 */

import { OnnxGraphError } from "./errors.ts";
import type { Graph, Node } from "./model.ts";
import type { Tensor } from "./tensor.ts";

/**
 * An attribute value with its ONNX kind. Integers are int64 in ONNX and plain numbers here:
 * values beyond ±2^53 lose precision, except INT64 max/min (used as "to the end" in `Slice`),
 * which round-trip exactly.
 */
export type AttributeValue =
  | { type: "float"; value: number }
  | { type: "int"; value: number }
  | { type: "string"; value: string }
  | { type: "tensor"; value: Tensor }
  | { type: "graph"; value: Graph }
  | { type: "floats"; value: number[] }
  | { type: "ints"; value: number[] }
  | { type: "strings"; value: string[] }
  | { type: "tensors"; value: Tensor[] }
  | { type: "graphs"; value: Graph[] };

/** The kind of an attribute (`"int"`, `"floats"`, …). */
export type AttributeType = AttributeValue["type"];

/** The value type of the attribute kind `T`. */
export type AttributeValueOf<T extends AttributeType> = Extract<AttributeValue, { type: T }>[
  "value"
];

/**
 * Constructors of attribute values.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { attr } from "./attribute.ts";
 * assert.deepEqual(attr.int(3), { type: "int", value: 3 });
 * assert.deepEqual(attr.ints([0, 2, 1, 3]), { type: "ints", value: [0, 2, 1, 3] });
 * assert.deepEqual(attr.float(0.5), { type: "float", value: 0.5 });
 * ```
 */
export const attr = {
  float: (value: number): AttributeValue => ({ type: "float", value }),
  int: (value: number): AttributeValue => ({ type: "int", value: checkInt(value) }),
  string: (value: string): AttributeValue => ({ type: "string", value }),
  tensor: (value: Tensor): AttributeValue => ({ type: "tensor", value }),
  graph: (value: Graph): AttributeValue => ({ type: "graph", value }),
  floats: (value: readonly number[]): AttributeValue => ({ type: "floats", value: [...value] }),
  ints: (value: readonly number[]): AttributeValue => ({
    type: "ints",
    value: value.map(checkInt),
  }),
  strings: (value: readonly string[]): AttributeValue => ({ type: "strings", value: [...value] }),
  tensors: (value: readonly Tensor[]): AttributeValue => ({ type: "tensors", value: [...value] }),
  graphs: (value: readonly Graph[]): AttributeValue => ({ type: "graphs", value: [...value] }),
};

function checkInt(value: number): number {
  if (!Number.isInteger(value)) {
    throw new RangeError(`An int attribute needs an integer, got ${value}; use attr.float.`);
  }
  return value;
}

/**
 * The value of attribute `name` of `node` if it has kind `type`, else `fallback` when the node
 * has no such attribute. Throws {@link OnnxGraphError} naming the node when the attribute has
 * another kind, or is missing and no fallback is given.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { attr, getAttribute, type Node } from "./mod.ts";
 * const node: Node = {
 *   name: "sm", opType: "Softmax", domain: "", inputs: ["x"], outputs: ["y"],
 *   attributes: { axis: attr.int(-1) },
 * };
 * assert.equal(getAttribute(node, "axis", "int"), -1);
 * assert.deepEqual(getAttribute(node, "perm", "ints", [1, 0]), [1, 0]);
 * ```
 */
export function getAttribute<T extends AttributeType>(
  node: Node,
  name: string,
  type: T,
  fallback?: AttributeValueOf<T>,
): AttributeValueOf<T> {
  const found = node.attributes[name];
  if (found === undefined) {
    if (fallback !== undefined) return fallback;
    throw new OnnxGraphError(
      `Node "${node.name}" (${node.opType}) has no attribute "${name}"; the model does not follow ` +
        `the ONNX spec for ${node.opType}, re-export it.`,
    );
  }
  if (found.type !== type) {
    throw new OnnxGraphError(
      `Node "${node.name}" (${node.opType}): attribute "${name}" is ${found.type}, expected ${type}.`,
    );
  }
  return found.value as AttributeValueOf<T>;
}
