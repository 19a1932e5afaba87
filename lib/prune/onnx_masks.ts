/**
 * Masks on ONNX models: find every Linear of a graph by its PyTorch state-dict name — in the
 * kit's own exports (the weight initializer carries the name) and in `torch.onnx.export` graphs
 * (the weight is an anonymous `onnx::MatMul_…`, but the bias and the node scope carry the name) —
 * and multiply weights by a {@link MaskSet} given in PyTorch's `[out, in]` layout.
 *
 * @module
 */

import {
  findLinears,
  type Graph,
  type Linear,
  type Model,
  RewriteContext,
  type Tensor,
  tensorToFloat32,
} from "../onnx/mod.ts";
import type { WeightMap } from "../model/mod.ts";
import type { MaskSet } from "./mask.ts";

/** A mask names no weight of the model, or does not have the weight's shape. */
export class MaskTargetError extends Error {
  override name = "MaskTargetError";
}

/**
 * The state-dict name (`distilbert.transformer.layer.0.ffn.lin1`) of a Linear: the finder's
 * (weight initializer `<name>.weight`), else the bias initializer's `<name>.bias`, else the node's
 * scope as exporters write it (`/distilbert/transformer/layer.0/ffn/lin1/MatMul`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DataType, findLinears, GraphBuilder } from "../onnx/mod.ts";
 * import { linearStateDictName } from "./onnx_masks.ts";
 * const b = new GraphBuilder("g");
 * const x = b.input("x", DataType.FLOAT, ["n", 2]);
 * const mm = b.op("MatMul", [x, b.initializer("onnx::MatMul_7", DataType.FLOAT, [2, 3])]);
 * b.output(b.op("Add", [b.initializer("head.bias", DataType.FLOAT, [3]), mm]), DataType.FLOAT);
 * assert.equal(linearStateDictName(findLinears(b.build())[0]), "head");
 * ```
 */
export function linearStateDictName(linear: Linear): string | undefined {
  if (linear.name) return linear.name;
  const bias = linear.bias?.value;
  if (bias?.endsWith(".bias") && !bias.startsWith("/")) return bias.slice(0, -".bias".length);
  const scope = linear.node.name.split("/").filter((s) => s !== "").slice(0, -1);
  return scope.length > 0 ? scope.join(".") : undefined;
}

/**
 * Every Linear of `graph` with a state-dict name, by that name (`…ffn.lin1`, without `.weight`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildDistilBert, DISTILBERT_BASE } from "../model/mod.ts";
 * import { linearsByStateDictName } from "./onnx_masks.ts";
 * const config = { ...DISTILBERT_BASE, vocabSize: 20, dim: 8, nLayers: 1, nHeads: 2, hiddenDim: 16, maxPositionEmbeddings: 8 };
 * const linears = linearsByStateDictName(buildDistilBert(config, { seed: 1 }).graph);
 * assert.equal(linears.get("distilbert.transformer.layer.0.ffn.lin1")?.outFeatures, 16);
 * ```
 */
export function linearsByStateDictName(graph: Graph): Map<string, Linear> {
  const out = new Map<string, Linear>();
  for (const linear of findLinears(graph)) {
    const name = linearStateDictName(linear);
    if (name !== undefined && !out.has(name)) out.set(name, linear);
  }
  return out;
}

/**
 * The weights and biases of every Linear of `model` by state-dict name, weights in PyTorch's
 * `[out, in]` layout: what a criterion scores, from any exported graph.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildDistilBert, DISTILBERT_BASE } from "../model/mod.ts";
 * import { linearWeights } from "./onnx_masks.ts";
 * const config = { ...DISTILBERT_BASE, vocabSize: 20, dim: 8, nLayers: 1, nHeads: 2, hiddenDim: 16, maxPositionEmbeddings: 8 };
 * const weights = linearWeights(buildDistilBert(config, { seed: 1 }));
 * assert.deepEqual(weights.get("distilbert.transformer.layer.0.ffn.lin1.weight")?.shape, [16, 8]);
 * ```
 */
export function linearWeights(model: Model): WeightMap {
  const out: WeightMap = new Map();
  for (const [name, linear] of linearsByStateDictName(model.graph)) {
    const { inFeatures: n, outFeatures: m } = linear;
    const w = tensorToFloat32(linear.weight);
    const data = new Float32Array(m * n);
    for (let o = 0; o < m; o++) {
      for (let i = 0; i < n; i++) data[o * n + i] = w[weightIndex(linear, o, i)];
    }
    out.set(`${name}.weight`, { shape: [m, n], data });
    if (linear.bias) out.set(`${name}.bias`, { shape: [m], data: linear.bias.data.slice() });
  }
  return out;
}

/** Options of {@link applyMasks}. */
export interface ApplyMasksOptions {
  /** Rewrite a copy (default true); false: replace the model's initializers in place. */
  copy?: boolean;
}

/** What {@link applyMasks} returns. */
export interface ApplyMasksResult {
  model: Model;
  /** Weights zeroed by the masks (elements whose mask is 0), by mask name. */
  zeroed: Map<string, number>;
}

/**
 * Multiplies `model`'s weights by `masks` (state-dict names, PyTorch `[out, in]` layout). A
 * `….weight` or `….bias` name is looked up among the Linears first (so torch exports, whose
 * weights are anonymous, work too, and the kit's transposed `[in, out]` storage is handled),
 * then among initializers of that exact name and shape (embeddings, LayerNorm). Throws
 * {@link MaskTargetError} for a name that matches nothing or a shape that differs. Apply masks
 * before fusion: fused graphs merge Linears.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildDistilBert, DISTILBERT_BASE } from "../model/mod.ts";
 * import { applyMasks, linearWeights } from "./onnx_masks.ts";
 * const config = { ...DISTILBERT_BASE, vocabSize: 20, dim: 8, nLayers: 1, nHeads: 2, hiddenDim: 16, maxPositionEmbeddings: 8 };
 * const name = "distilbert.transformer.layer.0.ffn.lin1.weight";
 * const mask = new Uint8Array(16 * 8).fill(1).fill(0, 0, 8); // prune unit 0: row 0 of [16, 8]
 * const { model, zeroed } = applyMasks(buildDistilBert(config, { seed: 1 }), new Map([[name, { shape: [16, 8], mask }]]));
 * assert.equal(zeroed.get(name), 8);
 * assert.deepEqual([...linearWeights(model).get(name)!.data.subarray(0, 8)], new Array(8).fill(0));
 * ```
 */
export function applyMasks(
  model: Model,
  masks: MaskSet,
  options: ApplyMasksOptions = {},
): ApplyMasksResult {
  const ctx = new RewriteContext(model, { copy: options.copy ?? true });
  const linears = linearsByStateDictName(ctx.graph);
  const zeroed = new Map<string, number>();
  for (const [name, { shape, mask }] of masks) {
    if (mask.length !== shape.reduce((a, b) => a * b, 1)) {
      throw new MaskTargetError(
        `Mask "${name}" has ${mask.length} entries for shape [${shape}]; give one 0/1 per weight.`,
      );
    }
    const target = maskTarget(ctx, linears, name, shape);
    const data = tensorToFloat32(target.tensor).slice();
    let count = 0;
    for (let k = 0; k < mask.length; k++) {
      if (mask[k] !== 0) continue;
      data[target.index(k)] = 0;
      count++;
    }
    ctx.replaceInitializer(target.tensor.name, { ...target.tensor, data });
    zeroed.set(name, count);
  }
  return { model: ctx.model, zeroed };
}

interface MaskTarget {
  tensor: Tensor;
  /** Index into the tensor's data of mask entry `k` (row-major in PyTorch's layout). */
  index: (k: number) => number;
}

function maskTarget(
  ctx: RewriteContext,
  linears: Map<string, Linear>,
  name: string,
  shape: number[],
): MaskTarget {
  const dot = name.lastIndexOf(".");
  const [base, kind] = [name.slice(0, dot), name.slice(dot + 1)];
  const linear = linears.get(base);
  if (linear && kind === "weight") {
    expectShape(name, shape, [linear.outFeatures, linear.inFeatures]);
    const n = linear.inFeatures;
    return {
      tensor: initializerOf(ctx, linear.weightName, name),
      index: (k) => weightIndex(linear, Math.floor(k / n), k % n),
    };
  }
  if (linear?.bias && kind === "bias") {
    expectShape(name, shape, [linear.outFeatures]);
    return { tensor: initializerOf(ctx, linear.bias.value, name), index: (k) => k };
  }
  const tensor = ctx.graph.initializers.find((t) => t.name === name);
  if (tensor) {
    expectShape(name, shape, tensor.dims);
    return { tensor, index: (k) => k };
  }
  const known = [...linears.keys()].slice(0, 3).map((l) => `"${l}.weight"`).join(", ");
  throw new MaskTargetError(
    `Mask "${name}" names no Linear weight or bias and no initializer of graph ` +
      `"${ctx.graph.name}" (Linears: ${known}, …); use state-dict names and apply masks before ` +
      `fusion, which merges Linears.`,
  );
}

function initializerOf(ctx: RewriteContext, value: string, mask: string): Tensor {
  const tensor = ctx.graph.initializers.find((t) => t.name === value);
  if (!tensor) {
    throw new MaskTargetError(
      `Mask "${mask}": "${value}" is a Constant node, not an initializer; fold constants into ` +
        `initializers first (lib/onnx constant folding).`,
    );
  }
  return tensor;
}

function expectShape(name: string, shape: readonly number[], actual: readonly number[]): void {
  if (shape.length !== actual.length || shape.some((d, i) => d !== actual[i])) {
    throw new MaskTargetError(
      `Mask "${name}" has shape [${shape}] but the model's weight is [${actual}] (PyTorch ` +
        `[out, in] layout); build the mask for this model's config.`,
    );
  }
}

/** Index into a Linear's stored weight of element (out `o`, in `i`). */
function weightIndex(linear: Linear, o: number, i: number): number {
  return linear.transposed ? o * linear.inFeatures + i : i * linear.outFeatures + o;
}
