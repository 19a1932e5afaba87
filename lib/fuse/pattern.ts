/**
 * Small matching helpers the passes share: who produces a value, whether a value is used only
 * inside a pattern, what constant a value holds.
 *
 * @module
 */

import { DataType, type Node, type Tensor, tensorToFloat32 } from "../onnx/mod.ts";
import type { FusionContext } from "./fusion_context.ts";

/** The node producing `value` if its op is one of `ops` (default domain unless `domain`). */
export function producerOf(
  ctx: FusionContext,
  value: string,
  ops: string | readonly string[],
  domain = "",
): Node | undefined {
  const node = ctx.index.producer(value);
  const list = typeof ops === "string" ? [ops] : ops;
  return node && node.domain === domain && list.includes(node.opType) && !ctx.isClaimed(node)
    ? node
    : undefined;
}

/** The readers of `value`. */
export function consumersOf(ctx: FusionContext, value: string): Node[] {
  return ctx.index.consumers(value);
}

/** The only reader of `value` (which must not be a graph output), or `undefined`. */
export function soleConsumer(ctx: FusionContext, value: string): Node | undefined {
  const list = ctx.index.consumers(value);
  return list.length === 1 && !ctx.index.isGraphOutput(value) ? list[0] : undefined;
}

/**
 * Whether the outputs of `inner` nodes are read only by nodes of `all` and are not graph outputs:
 * the condition for replacing `all` by one node without losing a value someone else reads.
 */
export function onlyUsedWithin(
  ctx: FusionContext,
  inner: readonly Node[],
  all: readonly Node[],
): boolean {
  const set = new Set(all);
  return inner.every((n) =>
    n.outputs.every((o) =>
      !o || (!ctx.index.isGraphOutput(o) && ctx.index.consumers(o).every((c) => set.has(c)))
    )
  );
}

/** The constant tensor behind `value` (initializer or `Constant`), if any. */
export function constantOf(ctx: FusionContext, value: string): Tensor | undefined {
  return value ? ctx.index.constant(value) : undefined;
}

/** The value of a one-element float constant, if `value` is one. */
export function scalarOf(ctx: FusionContext, value: string): number | undefined {
  const t = constantOf(ctx, value);
  if (!t || t.data.length !== 1) return undefined;
  return t.dataType === DataType.FLOAT || t.dataType === DataType.DOUBLE ||
      t.dataType === DataType.FLOAT16
    ? tensorToFloat32(t)[0]
    : Number(t.data[0]);
}

/** Float32 data of a 1-D float constant of length `n` (any length when `n` is omitted). */
export function vectorOf(ctx: FusionContext, value: string, n?: number): Float32Array | undefined {
  const t = constantOf(ctx, value);
  if (!t || t.dataType !== DataType.FLOAT || t.dims.length !== 1) return undefined;
  return n === undefined || t.dims[0] === n ? (t.data as Float32Array) : undefined;
}

/** Whether `a` is within `rtol` (relative) of `b`. */
export function near(a: number | undefined, b: number, rtol = 1e-4): boolean {
  return a !== undefined && Math.abs(a - b) <= rtol * Math.abs(b);
}

/** For a two-input node reading `value`, the other input (or `undefined`). */
export function otherInput(node: Node, value: string): string | undefined {
  if (node.inputs.length !== 2) return undefined;
  if (node.inputs[0] === value) return node.inputs[1];
  if (node.inputs[1] === value) return node.inputs[0];
  return undefined;
}

/** Integer attribute list `name` of `node`, or `undefined`. */
export function intsAttr(node: Node, name: string): number[] | undefined {
  const a = node.attributes[name];
  return a?.type === "ints" ? a.value : undefined;
}

/** Whether two int lists are equal. */
export function sameInts(a: readonly number[] | undefined, b: readonly number[]): boolean {
  return !!a && a.length === b.length && a.every((v, i) => v === b[i]);
}

/** The last dim of `value` when it is a known number. */
export function lastDim(ctx: FusionContext, value: string): number | undefined {
  const s = ctx.facts.shape(value);
  const d = s?.[s.length - 1];
  return typeof d === "number" ? d : undefined;
}
