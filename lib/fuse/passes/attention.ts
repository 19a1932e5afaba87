/**
 * Attention fusion: DistilBERT/BERT self-attention as exporters write it — three Linears (Q, K,
 * V), head split (Reshape + Transpose), the scale (`Div` by √d on Q or on the scores), the mask
 * (`Where(attention_mask == 0, lowest, scores)`), Softmax, the context MatMul and the head merge
 * (Transpose + Reshape) — becomes one ONNX Runtime `com.microsoft.Attention` with the Q/K/V
 * weights and biases concatenated into one `[hidden, 3·hidden]` weight. The mask becomes the
 * op's `mask_index` (the `attention_mask` input cast to int32, shared by every layer).
 *
 * After this pass the Q/K/V projections are no longer MatMuls: a quantizer that only quantizes
 * MatMul leaves them in float. Use `qkv-merge` instead (see `QUANTIZATION_FRIENDLY_PASSES`) when
 * quantizing afterwards.
 *
 * @module
 */

import {
  attr,
  DataType,
  getAttribute,
  type Linear,
  type Model,
  MS_DOMAIN,
  type Node,
  type SymDim,
} from "../../onnx/mod.ts";
import { FusionContext } from "../fusion_context.ts";
import {
  intsAttr,
  onlyUsedWithin,
  producerOf,
  sameInts,
  scalarOf,
  soleConsumer,
} from "../pattern.ts";
import type { FusionPass, PassResult } from "../types.ts";
import { concatBiases, concatColumns, mergedName } from "../merge_weights.ts";

/**
 * The `attention` pass.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildDistilBert, DISTILBERT_BASE } from "../../model/mod.ts";
 * import { attention } from "./attention.ts";
 * const config = { ...DISTILBERT_BASE, vocabSize: 30, dim: 8, nLayers: 2, nHeads: 2, hiddenDim: 16, maxPositionEmbeddings: 8 };
 * const { model, matches } = attention.run(buildDistilBert(config, { seed: 1 }));
 * assert.equal(matches.length, 2);
 * assert.equal(matches[0].detail, "2 heads × 4, scale 0.5, masked");
 * assert.equal(model.graph.nodes.filter((n) => n.opType === "Softmax").length, 0);
 * ```
 */
export const attention: FusionPass = {
  name: "attention",
  description: "Q/K/V Linears + head split + scale + mask + Softmax + context + head merge → " +
    "com.microsoft Attention (Q/K/V weights concatenated; mask as int32 mask_index).",
  produces: ["com.microsoft:Attention"],
  // torch's mask Expand reads the scores' Shape; reshape-simplify drops it first
  requires: ["reshape-simplify"],
  run: fuseAttention,
};

interface Head {
  linear: Linear;
  heads: number;
  headSize: number;
  nodes: Node[];
}

interface AttentionMatch {
  q: Head;
  k: Head;
  v: Head;
  nodes: Node[];
  scale: number;
  mask?: { source: string; fill: number };
  output: string;
}

function fuseAttention(model: Model): PassResult {
  const ctx = new FusionContext(model);
  const maskValues = new Map<string, string>();
  for (const softmax of [...ctx.graph.nodes]) {
    if (softmax.opType !== "Softmax" || softmax.domain !== "" || ctx.isClaimed(softmax)) continue;
    const m = match(ctx, softmax);
    if (!m || !ctx.claim(m.nodes)) continue;
    const linears = [m.q.linear, m.k.linear, m.v.linear];
    const names = linears.map((l) => l.weightName);
    const weight = ctx.addInitializer(
      mergedName(names, m.nodes, "qkv.weight"),
      DataType.FLOAT,
      [linears[0].weight.dims[0], linears.reduce((s, l) => s + l.weight.dims[1], 0)],
      concatColumns(linears.map((l) => l.weight)),
    );
    const bias = ctx.addInitializer(
      mergedName(names, m.nodes, "qkv.bias"),
      DataType.FLOAT,
      [linears.reduce((s, l) => s + l.weight.dims[1], 0)],
      concatBiases(linears),
    );
    const inputs = [m.q.linear.input, weight, bias];
    if (m.mask) inputs.push(int32Mask(ctx, m.mask.source, maskValues));
    const node = ctx.addNode({
      opType: "Attention",
      domain: MS_DOMAIN,
      inputs,
      outputs: [m.output],
      attributes: {
        num_heads: attr.int(m.q.heads),
        scale: attr.float(m.scale),
        ...(m.mask ? { mask_filter_value: attr.float(m.mask.fill) } : {}),
      },
      replaces: m.nodes,
    });
    ctx.remove(m.nodes);
    ctx.record({
      nodes: m.nodes.map((n) => n.name),
      replacement: [node.name],
      detail: `${m.q.heads} heads × ${m.q.headSize}, scale ${+m.scale.toPrecision(4)}` +
        (m.mask ? ", masked" : ""),
    });
  }
  return ctx.finish();
}

function match(ctx: FusionContext, softmax: Node): AttentionMatch | undefined {
  const scoresShape = ctx.facts.shape(softmax.inputs[0]);
  const axis = getAttribute(softmax, "axis", "int", ctx.opset >= 13 ? -1 : 1);
  if (scoresShape?.length !== 4 || (axis !== -1 && axis !== 3)) return undefined;
  const nodes: Node[] = [softmax];
  let scores = softmax.inputs[0];
  let mask: AttentionMatch["mask"];
  const where = producerOf(ctx, scores, "Where");
  if (where) {
    const fill = scalarOf(ctx, where.inputs[1]);
    const source = fill !== undefined && fill <= -1e4
      ? maskSource(ctx, where.inputs[0], scoresShape)
      : undefined;
    if (!source) return undefined;
    mask = { source, fill: fill! };
    nodes.push(where);
    scores = where.inputs[2];
  }
  let scale: number | undefined;
  let qk = producerOf(ctx, scores, "MatMul");
  if (!qk) {
    const s = scaling(ctx, scores);
    if (!s) return undefined;
    scale = s.scale;
    nodes.push(s.node);
    qk = producerOf(ctx, s.input, "MatMul");
    if (!qk) return undefined;
  }
  nodes.push(qk);
  let qValue = qk.inputs[0];
  if (scale === undefined) {
    const s = scaling(ctx, qValue);
    if (s) {
      scale = s.scale;
      nodes.push(s.node);
      qValue = s.input;
    }
  }
  const q = headSplit(ctx, qValue, [0, 2, 1, 3]);
  const k = headSplit(ctx, qk.inputs[1], [0, 2, 3, 1]);
  const context = soleConsumer(ctx, softmax.outputs[0]);
  if (!q || !k || context?.opType !== "MatMul" || context.inputs[0] !== softmax.outputs[0]) {
    return undefined;
  }
  const v = headSplit(ctx, context.inputs[1], [0, 2, 1, 3]);
  const merge = merged(ctx, context);
  if (!v || !merge || !consistent(ctx, q, k, v, merge.output, mask?.source)) return undefined;
  const all = [...q.nodes, ...k.nodes, ...v.nodes, ...nodes, context, ...merge.nodes];
  const last = merge.nodes[merge.nodes.length - 1];
  if (!onlyUsedWithin(ctx, all.filter((n) => n !== last), all)) return undefined;
  return { q, k, v, nodes: all, scale: scale ?? 1, mask, output: merge.output };
}

/** `Div(x, c)` or `Mul(x, c)` with a scalar constant: the factor applied to `x`. */
function scaling(ctx: FusionContext, value: string) {
  const node = producerOf(ctx, value, ["Div", "Mul"]);
  const c = node ? scalarOf(ctx, node.inputs[1]) : undefined;
  if (!node || c === undefined || c === 0 || soleConsumer(ctx, node.outputs[0]) === undefined) {
    return undefined;
  }
  return { node, input: node.inputs[0], scale: node.opType === "Div" ? 1 / c : c };
}

/** `Transpose(Reshape(Linear(x), [B, S, heads, headSize]), perm)`. */
function headSplit(ctx: FusionContext, value: string, perm: number[]): Head | undefined {
  const transpose = producerOf(ctx, value, "Transpose");
  if (!transpose || !sameInts(intsAttr(transpose, "perm"), perm)) return undefined;
  const reshape = producerOf(ctx, transpose.inputs[0], "Reshape");
  if (!reshape) return undefined;
  const linear = ctx.linearProducing(reshape.inputs[0]);
  const inShape = ctx.facts.shape(reshape.inputs[0]);
  const outShape = ctx.facts.shape(reshape.outputs[0]);
  if (!linear || inShape?.length !== 3 || outShape?.length !== 4) return undefined;
  const [b, s, heads, headSize] = outShape;
  if (b !== inShape[0] || s !== inShape[1]) return undefined;
  if (typeof heads !== "number" || typeof headSize !== "number") return undefined;
  if (heads * headSize !== linear.weight.dims[1]) return undefined;
  return { linear, heads, headSize, nodes: [...linear.nodes, reshape, transpose] };
}

/** `Reshape(Transpose(context, [0, 2, 1, 3]), [B, S, hidden])`. */
function merged(ctx: FusionContext, context: Node) {
  const transpose = soleConsumer(ctx, context.outputs[0]);
  if (transpose?.opType !== "Transpose") return undefined;
  if (!sameInts(intsAttr(transpose, "perm"), [0, 2, 1, 3])) return undefined;
  const reshape = soleConsumer(ctx, transpose.outputs[0]);
  if (reshape?.opType !== "Reshape" || reshape.inputs[0] !== transpose.outputs[0]) return undefined;
  return { nodes: [transpose, reshape], output: reshape.outputs[0] };
}

/** Same input, heads and head size for Q, K, V; output [B, S, hidden]; mask [B, S]. */
function consistent(
  ctx: FusionContext,
  q: Head,
  k: Head,
  v: Head,
  output: string,
  mask: string | undefined,
): boolean {
  if (q.linear.input !== k.linear.input || q.linear.input !== v.linear.input) return false;
  if (q.heads !== k.heads || q.heads !== v.heads) return false;
  if (q.headSize !== k.headSize || q.headSize !== v.headSize) return false;
  const x = ctx.facts.shape(q.linear.input);
  const out = ctx.facts.shape(output);
  if (!x || x.length !== 3 || !out) return false;
  const expected: SymDim[] = [x[0], x[1], v.heads * v.headSize];
  if (!out.every((d, i) => d === expected[i]) || out.length !== 3) return false;
  if (mask) {
    const m = ctx.facts.shape(mask);
    if (!m || m.length !== 2 || m[0] !== x[0] || m[1] !== x[1]) return false;
  }
  return true;
}

const MASK_PLUMBING = new Set(["Cast", "Expand", "Reshape", "Unsqueeze"]);

/**
 * The `[batch, sequence]` integer mask behind a Where condition `Equal(mask, 0)` reshaped to
 * `[batch, 1, 1, sequence]` (and possibly expanded and cast to bool).
 */
function maskSource(
  ctx: FusionContext,
  cond: string,
  scoresShape: SymDim[],
): string | undefined {
  const condShape = ctx.facts.shape(cond);
  let value = cond;
  let broadcastShape: SymDim[] | undefined;
  for (let depth = 0; depth < 6; depth++) {
    const node = ctx.index.producer(value);
    if (!node || node.domain !== "") return undefined;
    if (node.opType === "Equal") {
      const [a, b] = node.inputs;
      const source = scalarOf(ctx, b) === 0 ? a : scalarOf(ctx, a) === 0 ? b : undefined;
      const shape = source ? ctx.facts.shape(source) : undefined;
      if (!source || shape?.length !== 2 || !broadcastShape) return undefined;
      const ok = broadcastShape.length === 4 && broadcastShape[0] === shape[0] &&
        broadcastShape[1] === 1 && broadcastShape[2] === 1 && broadcastShape[3] === shape[1];
      const same = (a: SymDim[], b: SymDim[] | undefined) =>
        !!b && a.length === b.length && a.every((d, i) => d === b[i]);
      if (!same(broadcastShape, condShape) && !same(scoresShape, condShape)) return undefined;
      const type = ctx.facts.elemType(source);
      const integer = type === DataType.INT64 || type === DataType.INT32;
      return ok && integer ? source : undefined;
    }
    if (!MASK_PLUMBING.has(node.opType)) return undefined;
    if (node.opType === "Cast" && getAttribute(node, "to", "int") !== DataType.BOOL) {
      return undefined;
    }
    if (node.opType === "Reshape" || node.opType === "Unsqueeze") {
      broadcastShape = ctx.facts.shape(node.outputs[0]);
    }
    value = node.inputs[0];
  }
  return undefined;
}

/** `Cast(mask, int32)`, added once per mask value. */
function int32Mask(ctx: FusionContext, source: string, cache: Map<string, string>): string {
  if (ctx.facts.elemType(source) === DataType.INT32) return source;
  const cached = cache.get(source);
  if (cached) return cached;
  const out = ctx.newValue(`${source}_int32`);
  ctx.addNode({
    opType: "Cast",
    inputs: [source],
    outputs: [out],
    attributes: { to: attr.int(DataType.INT32) },
    replaces: [],
    name: `/${source}/Cast_int32`,
  });
  cache.set(source, out);
  return out;
}
