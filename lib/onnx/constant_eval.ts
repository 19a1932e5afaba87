/**
 * Evaluates one node on constant inputs in TypeScript, for constant folding. Values are computed
 * in float64 and stored in the output's element type (float32 results are rounded once, as a
 * float32 kernel rounds them; integers truncate as ONNX integer ops do).
 *
 * @module
 */

import { EVAL_KERNELS } from "./constant_eval_kernels.ts";
import { DataType } from "./data_type.ts";
import type { Node } from "./model.ts";
import { createTensor, shapeSize, type Tensor } from "./tensor.ts";

/** A tensor while being computed: element type, dims and float64 elements. */
export interface Dense {
  type: number;
  dims: number[];
  data: Float64Array;
}

/** A kernel: the node and its inputs (`undefined` for omitted optional ones) → its outputs. */
export type EvalKernel = (node: Node, inputs: (Dense | undefined)[]) => Dense[];

/** Folding stops (returns `undefined`) above this many output elements. */
export const MAX_FOLDED_ELEMENTS = 1 << 20;

/** Element types the evaluator computes with. */
const SUPPORTED_TYPES: number[] = [
  DataType.FLOAT,
  DataType.DOUBLE,
  DataType.INT64,
  DataType.INT32,
  DataType.INT8,
  DataType.UINT8,
  DataType.BOOL,
];

/** Whether the evaluator has a kernel for `node`'s op (default domain only). */
export function canEvaluate(node: Node): boolean {
  return node.domain === "" && EVAL_KERNELS[node.opType] !== undefined;
}

/**
 * The outputs of `node` on the constant `inputs`, or `undefined` when the op, an element type or
 * the output size is not supported (the node then stays in the graph).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { attr, createTensor, DataType, type Node } from "./mod.ts";
 * import { evaluateNode } from "./constant_eval.ts";
 * const node: Node = {
 *   name: "c", opType: "Concat", domain: "", inputs: ["a", "b"], outputs: ["y"],
 *   attributes: { axis: attr.int(0) },
 * };
 * const out = evaluateNode(node, [
 *   createTensor("a", DataType.INT64, [1], [0]),
 *   createTensor("b", DataType.INT64, [2], [-1, 64]),
 * ]);
 * assert.deepEqual(out?.[0].data, new BigInt64Array([0n, -1n, 64n]));
 * ```
 */
export function evaluateNode(node: Node, inputs: (Tensor | undefined)[]): Tensor[] | undefined {
  const kernel = node.domain === "" ? EVAL_KERNELS[node.opType] : undefined;
  if (!kernel) return undefined;
  if (inputs.some((t) => t && !SUPPORTED_TYPES.includes(t.dataType))) return undefined;
  let outputs: Dense[];
  try {
    outputs = kernel(node, inputs.map((t) => (t ? toDense(t) : undefined)));
  } catch {
    return undefined; // unsupported attribute combination: leave the node in place
  }
  if (outputs.some((o) => o.data.length > MAX_FOLDED_ELEMENTS)) return undefined;
  if (outputs.some((o) => !SUPPORTED_TYPES.includes(o.type))) return undefined;
  return outputs.map((o, i) => fromDense(node.outputs[i], o));
}

/** A tensor as {@link Dense}. */
export function toDense(t: Tensor): Dense {
  return {
    type: t.dataType,
    dims: [...t.dims],
    data: Float64Array.from(t.data as ArrayLike<number | bigint>, Number),
  };
}

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

/** A {@link Dense} as a tensor named `name`, converted to its element type. */
export function fromDense(name: string, d: Dense): Tensor {
  const n = shapeSize(d.dims);
  if (n !== d.data.length) throw new RangeError(`${name}: ${d.data.length} values for [${d.dims}]`);
  if (d.type === DataType.INT64) {
    const out = new BigInt64Array(n);
    for (let i = 0; i < n; i++) {
      const v = BigInt(Math.trunc(d.data[i]));
      out[i] = v > INT64_MAX ? INT64_MAX : v < INT64_MIN ? INT64_MIN : v;
    }
    return createTensor(name, DataType.INT64, d.dims, out);
  }
  if (d.type === DataType.BOOL) {
    return createTensor(name, DataType.BOOL, d.dims, Uint8Array.from(d.data, (v) => (v ? 1 : 0)));
  }
  if (d.type === DataType.FLOAT || d.type === DataType.DOUBLE) {
    return createTensor(name, d.type, d.dims, Array.from(d.data));
  }
  return createTensor(name, d.type as DataType, d.dims, Array.from(d.data, Math.trunc));
}
