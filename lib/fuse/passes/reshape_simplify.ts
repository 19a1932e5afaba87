/**
 * Reshape/Transpose simplification: shapes computed at run time from `Shape → Gather → Unsqueeze
 * → Concat` become constants (dims equal to the input's become `0`, one unknown dim `-1`);
 * Reshape∘Reshape and Transpose∘Transpose collapse into one node (or none); Reshapes and
 * Transposes that change nothing go; an `Expand` whose readers broadcast anyway is bypassed.
 *
 * @module
 */

import {
  attr,
  broadcastShapes,
  DataType,
  getAttribute,
  type Model,
  type Node,
  type SymDim,
} from "../../onnx/mod.ts";
import { FusionContext } from "../fusion_context.ts";
import { constantOf, intsAttr, soleConsumer } from "../pattern.ts";
import type { FusionPass, PassResult } from "../types.ts";

/**
 * The `reshape-simplify` pass.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { attr, createModel, DataType, GraphBuilder } from "../../onnx/mod.ts";
 * import { reshapeSimplify } from "./reshape_simplify.ts";
 * const b = new GraphBuilder();
 * const x = b.input("x", DataType.FLOAT, ["batch", "seq", 8]);
 * const batch = b.op("Gather", [b.op("Shape", [x]), b.constant("i0", DataType.INT64, [], [0])]);
 * const shape = b.op("Concat", [
 *   b.op("Unsqueeze", [batch, b.constant("ax", DataType.INT64, [1], [0])]),
 *   b.constant("rest", DataType.INT64, [3], [-1, 2, 4]),
 * ], { attributes: { axis: attr.int(0) } });
 * b.output(b.op("Reshape", [x, shape]), DataType.FLOAT);
 * const { model, matches } = reshapeSimplify.run(createModel(b.build()));
 * assert.deepEqual(model.graph.nodes.map((n) => n.opType), ["Reshape"]);
 * assert.equal(matches[0].detail, "shape [batch,-1,2,4] → [0,-1,2,4]");
 * ```
 */
export const reshapeSimplify: FusionPass = {
  name: "reshape-simplify",
  description: "Turns Reshape shapes computed from Shape/Gather/Concat into constants, collapses " +
    "Reshape∘Reshape and Transpose∘Transpose, drops no-op Reshape/Transpose and redundant Expand.",
  produces: [],
  requires: [],
  run: simplify,
};

function simplify(model: Model): PassResult {
  const ctx = new FusionContext(model);
  for (const node of [...ctx.graph.nodes]) {
    if (node.domain !== "" || ctx.isClaimed(node)) continue;
    if (node.opType === "Reshape") {
      noOp(ctx, node) || constantShape(ctx, node) || reshapeChain(ctx, node);
    } else if (node.opType === "Transpose") {
      transposeChain(ctx, node) || noOp(ctx, node);
    } else if (node.opType === "Expand") {
      redundantExpand(ctx, node);
    }
  }
  return ctx.finish();
}

/** Reshape whose shape is computed at run time but known symbolically → constant shape. */
function constantShape(ctx: FusionContext, node: Node): boolean {
  const [data, shapeValue] = node.inputs;
  if (constantOf(ctx, shapeValue)) return false;
  const target = ctx.facts.value(shapeValue);
  const dataShape = ctx.facts.shape(data);
  if (!target || !dataShape) return false;
  const allowZero = getAttribute(node, "allowzero", "int", 0) === 1;
  const out = constantDims(target, dataShape, allowZero);
  if (!out || !ctx.claim([node])) return false;
  node.inputs[1] = ctx.addInitializer(`${node.name}/shape`, DataType.INT64, [out.length], out);
  ctx.record({
    nodes: [node.name],
    replacement: [],
    detail: `shape [${target}] → [${out}]`,
  });
  return true;
}

/** Constant Reshape dims for a symbolic target, or `undefined` when it cannot be expressed. */
export function constantDims(
  target: readonly SymDim[],
  dataShape: readonly SymDim[],
  allowZero: boolean,
): number[] | undefined {
  let minus = target.filter((d) => d === -1).length;
  const out: number[] = [];
  for (let i = 0; i < target.length; i++) {
    const d = target[i];
    if (typeof d === "number") out.push(d);
    else if (!allowZero && dataShape[i] === d) out.push(0);
    else if (minus === 0) {
      out.push(-1);
      minus = 1;
    } else return undefined;
  }
  return out;
}

/** Reshape(Reshape(x, a), b) → Reshape(x, b) when the inner one has no other reader. */
function reshapeChain(ctx: FusionContext, node: Node): boolean {
  const inner = ctx.index.producer(node.inputs[0]);
  if (!inner || inner.opType !== "Reshape" || inner.domain !== "" || ctx.isClaimed(inner)) {
    return false;
  }
  if (soleConsumer(ctx, inner.outputs[0]) !== node) return false;
  const shape = constantOf(ctx, node.inputs[1]);
  if (!shape || Array.from(shape.data as BigInt64Array, Number).includes(0)) return false;
  if (!ctx.claim([inner, node])) return false;
  node.inputs[0] = inner.inputs[0];
  ctx.remove([inner]);
  ctx.record({
    nodes: [inner.name, node.name],
    replacement: [node.name],
    detail: "Reshape∘Reshape",
  });
  return true;
}

/** Transpose(Transpose(x, p), q) → Transpose(x, p∘q), or nothing when that is the identity. */
function transposeChain(ctx: FusionContext, node: Node): boolean {
  const inner = ctx.index.producer(node.inputs[0]);
  if (!inner || inner.opType !== "Transpose" || inner.domain !== "" || ctx.isClaimed(inner)) {
    return false;
  }
  const p = intsAttr(inner, "perm");
  const q = intsAttr(node, "perm");
  if (!p || !q || p.length !== q.length || soleConsumer(ctx, inner.outputs[0]) !== node) {
    return false;
  }
  if (!ctx.claim([inner, node])) return false;
  const perm = q.map((i) => p[i]);
  ctx.remove([inner]);
  if (perm.every((v, i) => v === i) && !ctx.index.isGraphOutput(node.outputs[0])) {
    ctx.rewire(node.outputs[0], inner.inputs[0]);
    ctx.remove([node]);
    ctx.record({ nodes: [inner.name, node.name], replacement: [], detail: "perms cancel" });
  } else {
    node.inputs[0] = inner.inputs[0];
    node.attributes.perm = attr.ints(perm);
    ctx.record({
      nodes: [inner.name, node.name],
      replacement: [node.name],
      detail: `perm [${perm}]`,
    });
  }
  return true;
}

/** A Reshape to the shape its input already has, or a Transpose with the identity perm. */
function noOp(ctx: FusionContext, node: Node): boolean {
  const [out] = node.outputs;
  if (ctx.index.isGraphOutput(out)) return false;
  const identity = node.opType === "Transpose"
    ? (intsAttr(node, "perm") ?? []).every((v, i) => v === i) && !!intsAttr(node, "perm")
    : ctx.facts.sameShape(node.inputs[0], out);
  if (!identity || !ctx.claim([node])) return false;
  ctx.rewire(out, node.inputs[0]);
  ctx.remove([node]);
  ctx.record({ nodes: [node.name], replacement: [], detail: `no-op ${node.opType}` });
  return true;
}

const BROADCASTING = new Set(["Add", "Sub", "Mul", "Div", "Where", "And", "Or", "Equal", "Pow"]);
const UNARY = new Set(["Cast", "Not", "Neg"]);

/**
 * Expand whose every reader (possibly through unary elementwise ops such as Cast) is a
 * broadcasting op whose output shape does not depend on the expansion → bypassed.
 */
function redundantExpand(ctx: FusionContext, node: Node): boolean {
  const source = node.inputs[0];
  const sourceShape = ctx.facts.shape(source);
  if (!sourceShape || ctx.index.isGraphOutput(node.outputs[0])) return false;
  const chain: Node[] = [];
  const ok = readersBroadcast(ctx, node.outputs[0], sourceShape, chain, 0);
  if (!ok || !ctx.claim([node, ...chain])) return false;
  ctx.rewire(node.outputs[0], source);
  ctx.remove([node]);
  ctx.forgetValueInfo(chain.flatMap((n) => n.outputs));
  ctx.record({ nodes: [node.name], replacement: [], detail: "readers broadcast" });
  return true;
}

function readersBroadcast(
  ctx: FusionContext,
  value: string,
  shape: SymDim[],
  chain: Node[],
  depth: number,
): boolean {
  const readers = ctx.index.consumers(value);
  if (readers.length === 0 || depth > 3) return false;
  return readers.every((r) => {
    if (r.domain !== "" || ctx.isClaimed(r)) return false;
    if (UNARY.has(r.opType)) {
      chain.push(r);
      return !ctx.index.isGraphOutput(r.outputs[0]) &&
        readersBroadcast(ctx, r.outputs[0], shape, chain, depth + 1);
    }
    if (!BROADCASTING.has(r.opType)) return false;
    const others = r.inputs.map((i) => (i === value ? shape : ctx.facts.shape(i)));
    const out = ctx.facts.shape(r.outputs[0]);
    const fresh = () => "?";
    const rebuilt = broadcastShapes(others, fresh);
    return !!out && !!rebuilt && rebuilt.length === out.length &&
      rebuilt.every((d, i) => d === out[i] && d !== "?");
  });
}
