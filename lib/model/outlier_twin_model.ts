/**
 * The outlier twin of a DistilBERT ONNX graph the kit built (state-dict initializer names): its
 * weights read back, twinned by {@link outlierTwin}, and built again.
 *
 * @module
 */
import type { Model } from "../onnx/mod.ts";
import type { DistilBertConfig } from "./config.ts";
import { buildDistilBertGraph, distilBertWeightsFromGraph } from "./distilbert_graph.ts";
import { outlierTwin, type OutlierTwinOptions } from "./outlier_twin.ts";

/**
 * The outlier twin of `model` as an ONNX model (same FP32 function, planted activation outliers).
 * The model must come from the kit's builder (`loadClassifier(id, { export: "always" })`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildDistilBertGraph, DISTILBERT_BASE, outlierTwinModel, randomDistilBertWeights } from "./mod.ts";
 * const config = { ...DISTILBERT_BASE, vocabSize: 30, maxPositionEmbeddings: 16, dim: 8, nLayers: 1, nHeads: 2, hiddenDim: 16 };
 * const model = buildDistilBertGraph(config, randomDistilBertWeights(config, { seed: 1 }));
 * const twin = outlierTwinModel(model, config, { factor: 10, channels: 2 });
 * assert.equal(twin.graph.nodes.length, model.graph.nodes.length);
 * ```
 */
export function outlierTwinModel(
  model: Model,
  config: DistilBertConfig,
  options: OutlierTwinOptions = {},
): Model {
  const weights = distilBertWeightsFromGraph(model, config);
  return buildDistilBertGraph(config, outlierTwin(config, weights, options).weights);
}
