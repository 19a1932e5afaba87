/**
 * Randomly initialised DistilBERT weights and models, deterministic for a seed: for tests,
 * benchmarks at full size without downloading a checkpoint, and exercises.
 *
 * @module
 */

import type { Model } from "../onnx/mod.ts";
import { createRng } from "../random/mod.ts";
import type { DistilBertConfig } from "./config.ts";
import {
  buildDistilBertGraph,
  type DistilBertGraphOptions,
  distilBertWeightShapes,
} from "./distilbert_graph.ts";
import { elementCount, type WeightMap } from "./weights.ts";

/** Options of {@link randomDistilBertWeights}. */
export interface RandomWeightsOptions {
  /** Any integer; the same seed gives the same weights. */
  seed: number;
  /** Standard deviation of the normal init (HF's `initializer_range`, default 0.02). */
  std?: number;
}

/**
 * Weights initialised as Hugging Face's `DistilBertPreTrainedModel._init_weights` does: Linear and
 * Embedding weights ~ normal(0, std), biases 0, the padding token's embedding row 0, LayerNorm
 * weight 1 and bias 0; with `sinusoidalPosEmbds`, the position table is the fixed sinusoidal one.
 * Each tensor has its own stream derived from the seed and its name, so a tensor's values do not
 * depend on the other tensors (adding a layer does not change layer 0).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { randomDistilBertWeights } from "./random.ts";
 * import { DISTILBERT_BASE } from "./config.ts";
 * const config = { ...DISTILBERT_BASE, vocabSize: 50, dim: 8, nLayers: 1, nHeads: 2, hiddenDim: 16 };
 * const a = randomDistilBertWeights(config, { seed: 7 });
 * const b = randomDistilBertWeights(config, { seed: 7 });
 * assert.deepEqual(a, b);
 * assert.equal(a.get("distilbert.transformer.layer.0.sa_layer_norm.weight")!.data[0], 1);
 * ```
 */
export function randomDistilBertWeights(
  config: DistilBertConfig,
  options: RandomWeightsOptions,
): WeightMap {
  const std = options.std ?? 0.02;
  const weights: WeightMap = new Map();
  for (const [name, shape] of distilBertWeightShapes(config)) {
    const data = new Float32Array(elementCount(shape));
    if (name.endsWith(".bias")) {
      // zeros
    } else if (name.includes("LayerNorm") || name.includes("layer_norm")) {
      data.fill(1);
    } else if (
      name === "distilbert.embeddings.position_embeddings.weight" && config.sinusoidalPosEmbds
    ) {
      sinusoidalTable(data, shape[0], shape[1]);
    } else {
      createRng(streamSeed(options.seed, name)).fillNormal(data, std);
      if (name === "distilbert.embeddings.word_embeddings.weight") {
        const row = config.padTokenId;
        if (row >= 0 && row < shape[0]) data.fill(0, row * shape[1], (row + 1) * shape[1]);
      }
    }
    weights.set(name, { shape, data });
  }
  return weights;
}

/** Options of {@link buildDistilBert}: the seed and init, plus the graph options. */
export interface BuildDistilBertOptions extends RandomWeightsOptions, DistilBertGraphOptions {}

/**
 * A randomly initialised `DistilBertForSequenceClassification` ONNX model.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildDistilBert } from "./random.ts";
 * import { DISTILBERT_BASE } from "./config.ts";
 * const config = { ...DISTILBERT_BASE, vocabSize: 50, dim: 8, nLayers: 2, nHeads: 2, hiddenDim: 16 };
 * const model = buildDistilBert(config, { seed: 1, layerNorm: "fused" });
 * assert.equal(model.graph.nodes.filter((n) => n.opType === "LayerNormalization").length, 5);
 * ```
 */
export function buildDistilBert(config: DistilBertConfig, options: BuildDistilBertOptions): Model {
  const { seed, std, ...graphOptions } = options;
  return buildDistilBertGraph(config, randomDistilBertWeights(config, { seed, std }), graphOptions);
}

/** HF's `create_sinusoidal_embeddings`: sin on even columns, cos on odd ones. */
function sinusoidalTable(out: Float32Array, positions: number, dim: number): void {
  for (let pos = 0; pos < positions; pos++) {
    for (let j = 0; j < dim; j++) {
      const angle = pos / Math.pow(10000, (2 * Math.floor(j / 2)) / dim);
      out[pos * dim + j] = j % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
    }
  }
}

/** A 32-bit seed for tensor `name` under `seed` (FNV-1a over the seed and the name). */
function streamSeed(seed: number, name: string): number {
  let h = 0x811c9dc5 ^ (seed | 0);
  h = Math.imul(h, 0x01000193);
  h ^= Math.floor(seed / 2 ** 32) | 0;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
