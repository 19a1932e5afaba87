/**
 * Builds the ONNX graph of `DistilBertForSequenceClassification` from a config and a state-dict
 * {@link WeightMap}, with the same inputs and output as the hub's torch export
 * (`input_ids`, `attention_mask` → `logits`) and the same node naming
 * (`/distilbert/transformer/layer.0/attention/q_lin/MatMul`).
 *
 * Choices, made for the passes that come later:
 * - Every Linear is `MatMul(x, Wᵀ)` + `Add(bias)`, with Wᵀ stored as an `[in, out]` initializer
 *   under the state-dict name (`…q_lin.weight` holds the transposed matrix): quantization sees a
 *   MatMul with a constant B, pruning finds a weight by its PyTorch name.
 * - LayerNorm is emitted decomposed by default (`ReduceMean/Sub/Pow/ReduceMean/Add/Sqrt/Div/Mul/
 *   Add`), exactly as `torch.onnx.export` at opset 14 writes it and as hub exports ship, so the
 *   fusion lesson has real work to do. `{ layerNorm: "fused" }` emits `LayerNormalization`
 *   (opset ≥ 17) instead. ONNX Runtime fuses the decomposed form itself when graph optimizations
 *   are on, so both run at the same speed there.
 * - GELU is the exact Erf form (`x · 0.5 · (1 + erf(x/√2))`), as torch exports it.
 * - Attention follows `MultiHeadSelfAttention.forward`: q/√d, scores = q·kᵀ, positions where
 *   `attention_mask == 0` set to float32's lowest value with `Where` (torch's `masked_fill` with
 *   `finfo.min`), Softmax, context, `out_lin`. The mask is computed once and shared by all layers.
 * - Position ids are `Range(0, sequence_length)`, gathered from `position_embeddings.weight`;
 *   for `sinusoidal_pos_embds` checkpoints that weight already holds the sinusoidal table.
 *
 * @module
 */

import {
  attr,
  createModel,
  DataType,
  DEFAULT_OPSET,
  GraphBuilder,
  type Model,
} from "../onnx/mod.ts";
import { type DistilBertConfig, layerSizes, toHubConfigJson } from "./config.ts";
import { elementCount, transpose2d, type WeightMap, type WeightTensor } from "./weights.ts";

/** Options of {@link buildDistilBertGraph}. */
export interface DistilBertGraphOptions {
  /** Default-domain opset, 13–21 (default 17). */
  opset?: number;
  /** Graph name (default `"distilbert"`). */
  name?: string;
  /** `"decomposed"` (default; like hub exports) or `"fused"` (`LayerNormalization`, opset ≥ 17). */
  layerNorm?: "decomposed" | "fused";
}

/** The config, weights or options cannot make a DistilBERT graph; the message names the weight. */
export class DistilBertGraphError extends Error {
  override name = "DistilBertGraphError";
}

/** Opsets the builder supports (ops it uses change signature at 13 and 18). */
export const DISTILBERT_OPSETS = { min: 13, max: 21 } as const;

/** float32's lowest finite value, torch's `finfo(float32).min` for masked attention scores. */
const FLOAT32_LOWEST = -3.4028234663852886e38;

interface Context {
  b: GraphBuilder;
  config: DistilBertConfig;
  weights: WeightMap;
  opset: number;
  layerNorm: "decomposed" | "fused";
}

/**
 * The ONNX model of `DistilBertForSequenceClassification` with `weights` (state-dict names,
 * PyTorch layouts). Inputs `input_ids` and `attention_mask` (int64, `["batch", "sequence"]`),
 * output `logits` (float32, `["batch", numLabels]`). Throws {@link DistilBertGraphError} naming a
 * missing or mis-shaped weight.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildDistilBertGraph } from "./distilbert_graph.ts";
 * import { randomDistilBertWeights } from "./random.ts";
 * import { DISTILBERT_BASE } from "./config.ts";
 * const config = { ...DISTILBERT_BASE, vocabSize: 50, dim: 8, nLayers: 1, nHeads: 2, hiddenDim: 16, maxPositionEmbeddings: 16 };
 * const model = buildDistilBertGraph(config, randomDistilBertWeights(config, { seed: 1 }));
 * assert.deepEqual(model.graph.inputs.map((i) => i.name), ["input_ids", "attention_mask"]);
 * assert.deepEqual(model.graph.outputs[0].shape, ["batch", 2]);
 * assert.ok(model.graph.nodes.some((n) => n.name === "/distilbert/transformer/layer.0/attention/q_lin/MatMul"));
 * ```
 */
export function buildDistilBertGraph(
  config: DistilBertConfig,
  weights: WeightMap,
  options: DistilBertGraphOptions = {},
): Model {
  const ctx = makeContext(config, weights, options);
  const { b } = ctx;
  const inputIds = b.input("input_ids", DataType.INT64, ["batch", "sequence"]);
  const attentionMask = b.input("attention_mask", DataType.INT64, ["batch", "sequence"]);
  let hidden = embeddings(ctx, inputIds);
  const mask = maskedPositions(ctx, attentionMask);
  for (let i = 0; i < config.nLayers; i++) hidden = transformerBlock(ctx, i, hidden, mask);
  const logits = classificationHead(ctx, hidden);
  b.output(logits, DataType.FLOAT, ["batch", config.numLabels], { rename: "logits" });
  return createModel(b.build(), {
    opset: ctx.opset,
    producerName: "workshop-kit",
    producerVersion: "1",
    metadata: {
      model_type: "distilbert",
      architecture: "DistilBertForSequenceClassification",
      config: JSON.stringify(toHubConfigJson(config)),
    },
  });
}

function makeContext(
  config: DistilBertConfig,
  weights: WeightMap,
  options: DistilBertGraphOptions,
): Context {
  const opset = options.opset ?? DEFAULT_OPSET;
  const layerNorm = options.layerNorm ?? "decomposed";
  if (!Number.isInteger(opset) || opset < DISTILBERT_OPSETS.min || opset > DISTILBERT_OPSETS.max) {
    throw new DistilBertGraphError(
      `Opset ${opset} is not supported by the DistilBERT builder; pick ` +
        `${DISTILBERT_OPSETS.min}–${DISTILBERT_OPSETS.max} (default ${DEFAULT_OPSET}).`,
    );
  }
  if (layerNorm === "fused" && opset < 17) {
    throw new DistilBertGraphError(
      `layerNorm "fused" needs LayerNormalization (opset 17+), but opset is ${opset}; ` +
        `raise the opset or use layerNorm "decomposed".`,
    );
  }
  if (config.activation !== "gelu" && config.activation !== "relu") {
    throw new DistilBertGraphError(
      `DistilBERT activation ${JSON.stringify(config.activation)} is not supported; the config's ` +
        `"activation" must be "gelu" or "relu".`,
    );
  }
  if (config.dim % config.nHeads !== 0) {
    throw new DistilBertGraphError(
      `dim ${config.dim} is not divisible by n_heads ${config.nHeads}.`,
    );
  }
  checkLayerSizes(config);
  return { b: new GraphBuilder(options.name ?? "distilbert"), config, weights, opset, layerNorm };
}

/** Per-layer sizes, when given, cover every layer with positive integers. */
function checkLayerSizes(config: DistilBertConfig): void {
  const layers = config.layers;
  if (!layers) return;
  const ok = (n: number) => Number.isInteger(n) && n > 0;
  if (layers.length !== config.nLayers || !layers.every((l) => ok(l.nHeads) && ok(l.hiddenDim))) {
    throw new DistilBertGraphError(
      `config.layers must give { nHeads, hiddenDim } (positive integers) for each of the ` +
        `${config.nLayers} layers, got ${JSON.stringify(layers)}; fix it or leave it out.`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Weights

function weight(ctx: Context, name: string, shape: number[]): WeightTensor {
  const tensor = ctx.weights.get(name);
  if (!tensor) {
    throw new DistilBertGraphError(
      `Weight "${name}" (shape [${shape}]) is missing from the weight map; the checkpoint is not ` +
        `a DistilBertForSequenceClassification of this config (check n_layers, the head).`,
    );
  }
  if (tensor.shape.length !== shape.length || tensor.shape.some((d, i) => d !== shape[i])) {
    throw new DistilBertGraphError(
      `Weight "${name}" has shape [${tensor.shape}] but the config needs [${shape}]; the ` +
        `config.json does not match the checkpoint (dim, hidden_dim, vocab_size, num_labels).`,
    );
  }
  if (tensor.data.length !== elementCount(shape)) {
    throw new DistilBertGraphError(
      `Weight "${name}" has ${tensor.data.length} values for shape [${shape}].`,
    );
  }
  return tensor;
}

/** Adds the weight `name` as an initializer of the same name and shape. */
function constantWeight(ctx: Context, name: string, shape: number[]): string {
  return ctx.b.initializer(name, DataType.FLOAT, shape, weight(ctx, name, shape).data);
}

// ---------------------------------------------------------------------------------------------
// Sub-blocks

/** `nn.Linear(inF, outF)` named `prefix` (state dict) as MatMul with Wᵀ [in, out] + Add bias. */
function linear(
  ctx: Context,
  scope: GraphBuilder,
  x: string,
  prefix: string,
  inF: number,
  outF: number,
): string {
  const w = weight(ctx, `${prefix}.weight`, [outF, inF]);
  const wT = ctx.b.initializer(
    `${prefix}.weight`,
    DataType.FLOAT,
    [inF, outF],
    transpose2d(w.data, outF, inF),
  );
  const bias = constantWeight(ctx, `${prefix}.bias`, [outF]);
  return scope.op("Add", [scope.op("MatMul", [x, wT]), bias]);
}

/** Word + position embeddings, then LayerNorm. */
function embeddings(ctx: Context, inputIds: string): string {
  const { config } = ctx;
  const s = ctx.b.scope("/distilbert/embeddings");
  const words = s.scope("word_embeddings").op("Gather", [
    constantWeight(ctx, "distilbert.embeddings.word_embeddings.weight", [
      config.vocabSize,
      config.dim,
    ]),
    inputIds,
  ]);
  const shape = s.op("Shape", [inputIds]);
  const seqLen = s.op("Gather", [shape, s.constant("sequence_axis", DataType.INT64, [], [1])], {
    attributes: { axis: attr.int(0) },
  });
  const positionIds = s.op("Range", [
    s.constant("range_start", DataType.INT64, [], [0]),
    seqLen,
    s.constant("range_delta", DataType.INT64, [], [1]),
  ]);
  const positions = s.scope("position_embeddings").op("Gather", [
    constantWeight(ctx, "distilbert.embeddings.position_embeddings.weight", [
      config.maxPositionEmbeddings,
      config.dim,
    ]),
    positionIds,
  ]);
  const sum = s.op("Add", [words, positions]);
  return layerNorm(ctx, s.scope("LayerNorm"), sum, "distilbert.embeddings.LayerNorm");
}

/** `nn.LayerNorm(dim, eps)` over the last axis, decomposed or as `LayerNormalization`. */
function layerNorm(ctx: Context, s: GraphBuilder, x: string, prefix: string): string {
  const { dim, layerNormEps } = ctx.config;
  const gamma = constantWeight(ctx, `${prefix}.weight`, [dim]);
  const beta = constantWeight(ctx, `${prefix}.bias`, [dim]);
  if (ctx.layerNorm === "fused") {
    return s.op("LayerNormalization", [x, gamma, beta], {
      attributes: { axis: attr.int(-1), epsilon: attr.float(layerNormEps) },
    });
  }
  const mean = reduceMeanLastAxis(ctx, s, x);
  const centered = s.op("Sub", [x, mean]);
  const squared = s.op("Pow", [centered, s.constant("two", DataType.FLOAT, [], [2])]);
  const variance = reduceMeanLastAxis(ctx, s, squared);
  const eps = s.constant("epsilon", DataType.FLOAT, [], [layerNormEps]);
  const std = s.op("Sqrt", [s.op("Add", [variance, eps])]);
  const normalized = s.op("Div", [centered, std]);
  return s.op("Add", [s.op("Mul", [normalized, gamma]), beta]);
}

function reduceMeanLastAxis(ctx: Context, s: GraphBuilder, x: string): string {
  if (ctx.opset >= 18) {
    return s.op("ReduceMean", [x, s.constant("axes", DataType.INT64, [1], [-1])]);
  }
  return s.op("ReduceMean", [x], { attributes: { axes: attr.ints([-1]) } });
}

/** `attention_mask == 0` as a bool `[batch, 1, 1, sequence]`, shared by every layer. */
function maskedPositions(ctx: Context, attentionMask: string): string {
  const s = ctx.b.scope("/distilbert/transformer/mask");
  const isPad = s.op("Equal", [attentionMask, s.constant("zero", DataType.INT64, [], [0])]);
  return s.op("Unsqueeze", [isPad, s.constant("axes", DataType.INT64, [2], [1, 2])]);
}

/** One `TransformerBlock`: attention + residual + LayerNorm, FFN + residual + LayerNorm. */
function transformerBlock(ctx: Context, i: number, x: string, mask: string): string {
  const s = ctx.b.scope(`/distilbert/transformer/layer.${i}`);
  const prefix = `distilbert.transformer.layer.${i}`;
  const sizes = layerSizes(ctx.config, i);
  const attended = attention(ctx, s.scope("attention"), x, mask, {
    prefix: `${prefix}.attention`,
    nHeads: sizes.nHeads,
  });
  const sa = layerNorm(
    ctx,
    s.scope("sa_layer_norm"),
    s.op("Add", [attended, x]),
    `${prefix}.sa_layer_norm`,
  );
  const ffnOut = ffn(ctx, s.scope("ffn"), sa, {
    prefix: `${prefix}.ffn`,
    hiddenDim: sizes.hiddenDim,
  });
  return layerNorm(
    ctx,
    s.scope("output_layer_norm"),
    s.op("Add", [ffnOut, sa]),
    `${prefix}.output_layer_norm`,
  );
}

/**
 * `MultiHeadSelfAttention` with q/√d scaling and `masked_fill(finfo.min)` masking; `nHeads` heads
 * of `dim / config.nHeads` (fewer than `config.nHeads` in a pruned layer).
 */
function attention(
  ctx: Context,
  s: GraphBuilder,
  x: string,
  mask: string,
  layer: { prefix: string; nHeads: number },
) {
  const { dim } = ctx.config;
  const { prefix, nHeads } = layer;
  const headDim = dim / ctx.config.nHeads;
  const inner = nHeads * headDim;
  const heads = s.constant("heads_shape", DataType.INT64, [4], [0, -1, nHeads, headDim]);
  const split = (name: string, perm: number[]) => {
    const projected = linear(ctx, s.scope(name), x, `${prefix}.${name}`, dim, inner);
    return s.op("Transpose", [s.op("Reshape", [projected, heads])], {
      attributes: { perm: attr.ints(perm) },
    });
  };
  const q = split("q_lin", [0, 2, 1, 3]); // [batch, heads, seq, headDim]
  const kT = split("k_lin", [0, 2, 3, 1]); // [batch, heads, headDim, seq]
  const v = split("v_lin", [0, 2, 1, 3]);
  const scaled = s.op("Div", [q, s.constant("scale", DataType.FLOAT, [], [Math.sqrt(headDim)])]);
  const scores = s.op("MatMul", [scaled, kT]);
  const lowest = s.constant("mask_value", DataType.FLOAT, [], [FLOAT32_LOWEST]);
  const masked = s.op("Where", [mask, lowest, scores]);
  const probs = s.op("Softmax", [masked], { attributes: { axis: attr.int(-1) } });
  const context = s.op("MatMul", [probs, v]);
  const merged = s.op("Reshape", [
    s.op("Transpose", [context], { attributes: { perm: attr.ints([0, 2, 1, 3]) } }),
    s.constant("merged_shape", DataType.INT64, [3], [0, -1, inner]),
  ]);
  return linear(ctx, s.scope("out_lin"), merged, `${prefix}.out_lin`, inner, dim);
}

/** `FFN`: lin1 → GELU (Erf) or ReLU → lin2. */
function ffn(
  ctx: Context,
  s: GraphBuilder,
  x: string,
  layer: { prefix: string; hiddenDim: number },
): string {
  const { dim } = ctx.config;
  const { prefix, hiddenDim } = layer;
  const h = linear(ctx, s.scope("lin1"), x, `${prefix}.lin1`, dim, hiddenDim);
  const activated = ctx.config.activation === "relu"
    ? s.scope("activation").op("Relu", [h])
    : gelu(s.scope("activation"), h);
  return linear(ctx, s.scope("lin2"), activated, `${prefix}.lin2`, hiddenDim, dim);
}

/** Exact GELU as torch exports it: `x · (1 + erf(x / √2)) · 0.5`. */
function gelu(s: GraphBuilder, x: string): string {
  const erf = s.op("Erf", [
    s.op("Div", [x, s.constant("sqrt2", DataType.FLOAT, [], [Math.SQRT2])]),
  ]);
  const onePlus = s.op("Add", [erf, s.constant("one", DataType.FLOAT, [], [1])]);
  return s.op("Mul", [s.op("Mul", [x, onePlus]), s.constant("half", DataType.FLOAT, [], [0.5])]);
}

/** `hidden[:, 0]` → pre_classifier → ReLU → classifier (dropout is identity at inference). */
function classificationHead(ctx: Context, hidden: string): string {
  const { dim, numLabels } = ctx.config;
  const { b } = ctx;
  // Root-level nodes are named "/Gather", "/Relu", as in the torch export.
  const cls = b.op("Gather", [hidden, b.constant("/cls_index", DataType.INT64, [], [0])], {
    name: "/Gather",
    attributes: { axis: attr.int(1) },
  });
  const pre = linear(ctx, b.scope("pre_classifier"), cls, "pre_classifier", dim, dim);
  const relu = b.op("Relu", [pre], { name: "/Relu" });
  return linear(ctx, b.scope("classifier"), relu, "classifier", dim, numLabels);
}

/**
 * The state-dict weights of a model built by {@link buildDistilBertGraph} (or changed by a pass
 * that keeps initializer names and float32 types): Linear weights transposed back to `[out, in]`.
 * The inverse of building, so a model moves from ONNX back to training without loss.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildDistilBertGraph, distilBertWeightsFromGraph } from "./distilbert_graph.ts";
 * import { randomDistilBertWeights } from "./random.ts";
 * import { DISTILBERT_BASE } from "./config.ts";
 * const config = { ...DISTILBERT_BASE, vocabSize: 50, dim: 8, nLayers: 1, nHeads: 2, hiddenDim: 16, maxPositionEmbeddings: 16 };
 * const weights = randomDistilBertWeights(config, { seed: 1 });
 * assert.deepEqual(distilBertWeightsFromGraph(buildDistilBertGraph(config, weights), config), weights);
 * ```
 */
export function distilBertWeightsFromGraph(model: Model, config: DistilBertConfig): WeightMap {
  const byName = new Map(model.graph.initializers.map((t) => [t.name, t]));
  const out: WeightMap = new Map();
  for (const [name, shape] of distilBertWeightShapes(config)) {
    const tensor = byName.get(name);
    if (!tensor || tensor.dataType !== DataType.FLOAT) {
      throw new DistilBertGraphError(
        `Graph "${model.graph.name}" has no float32 initializer "${name}"; only models built by ` +
          `buildDistilBertGraph (or passes that keep its float weights) can be read back.`,
      );
    }
    const data = tensor.data as Float32Array;
    const isLinear = shape.length === 2 && !name.includes("embeddings");
    out.set(name, {
      shape: [...shape],
      data: isLinear ? transpose2d(data, shape[1], shape[0]) : data.slice(),
    });
  }
  return out;
}

/**
 * Every weight of `DistilBertForSequenceClassification` with its PyTorch shape, in state-dict
 * order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { distilBertWeightShapes } from "./distilbert_graph.ts";
 * import { DISTILBERT_BASE } from "./config.ts";
 * const shapes = distilBertWeightShapes(DISTILBERT_BASE);
 * assert.equal(shapes.size, 104);
 * assert.deepEqual(shapes.get("distilbert.transformer.layer.5.ffn.lin1.weight"), [3072, 768]);
 * ```
 */
export function distilBertWeightShapes(config: DistilBertConfig): Map<string, number[]> {
  const { dim, vocabSize, maxPositionEmbeddings, numLabels } = config;
  const headDim = dim / config.nHeads;
  const shapes = new Map<string, number[]>([
    ["distilbert.embeddings.word_embeddings.weight", [vocabSize, dim]],
    ["distilbert.embeddings.position_embeddings.weight", [maxPositionEmbeddings, dim]],
    ["distilbert.embeddings.LayerNorm.weight", [dim]],
    ["distilbert.embeddings.LayerNorm.bias", [dim]],
  ]);
  for (let i = 0; i < config.nLayers; i++) {
    const p = `distilbert.transformer.layer.${i}`;
    const { nHeads, hiddenDim } = layerSizes(config, i);
    const inner = nHeads * headDim;
    for (const lin of ["q_lin", "k_lin", "v_lin"]) {
      shapes.set(`${p}.attention.${lin}.weight`, [inner, dim]);
      shapes.set(`${p}.attention.${lin}.bias`, [inner]);
    }
    shapes.set(`${p}.attention.out_lin.weight`, [dim, inner]);
    shapes.set(`${p}.attention.out_lin.bias`, [dim]);
    shapes.set(`${p}.sa_layer_norm.weight`, [dim]);
    shapes.set(`${p}.sa_layer_norm.bias`, [dim]);
    shapes.set(`${p}.ffn.lin1.weight`, [hiddenDim, dim]);
    shapes.set(`${p}.ffn.lin1.bias`, [hiddenDim]);
    shapes.set(`${p}.ffn.lin2.weight`, [dim, hiddenDim]);
    shapes.set(`${p}.ffn.lin2.bias`, [dim]);
    shapes.set(`${p}.output_layer_norm.weight`, [dim]);
    shapes.set(`${p}.output_layer_norm.bias`, [dim]);
  }
  shapes.set("pre_classifier.weight", [dim, dim]);
  shapes.set("pre_classifier.bias", [dim]);
  shapes.set("classifier.weight", [numLabels, dim]);
  shapes.set("classifier.bias", [numLabels]);
  return shapes;
}
