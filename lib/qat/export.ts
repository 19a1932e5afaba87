/**
 * Export of a QAT model: the trained weights through `buildDistilBertGraph`, then
 * `quantizeStatic` with the observers' ranges mapped onto the graph's tensors, so the QDQ model's
 * activation scales and zero points are the ones learned in training and its weight scales are
 * computed from the trained weights exactly as the fake quantization computed them.
 *
 * @module
 */
import { buildDistilBertGraph, type DistilBertGraphOptions } from "../model/mod.ts";
import type { Model } from "../onnx/mod.ts";
import { type MinMax, quantizeStatic, type QuantReport } from "../quant/mod.ts";
import type { TfDistilBert } from "../train/mod.ts";
import type { QatQuantizer } from "./quantizer.ts";
import { staticOptionsOf } from "./scheme.ts";
import { embeddingNodes, type GraphSites, graphSites } from "./sites.ts";

/** The QAT model cannot be written as the QDQ model it simulates; the message says why. */
export class QatExportError extends Error {
  override name = "QatExportError";
}

/** Options of {@link exportQatModel}. */
export interface QatExportOptions {
  /** Options of the FP32 graph (opset, LayerNorm form). */
  graph?: DistilBertGraphOptions;
}

/** What {@link exportQatModel} returns. */
export interface QatExport {
  /** The QDQ model. */
  model: Model;
  /** The same trained weights as an FP32 model (what the QDQ model quantizes). */
  fp32: Model;
  /** What `quantizeStatic` quantized (every Linear not excluded, the embeddings if simulated). */
  report: QuantReport;
  /** The activation ranges used, by ONNX tensor name. */
  ranges: Map<string, MinMax>;
  /** Where the sites are in the FP32 graph. */
  sites: GraphSites;
}

/**
 * The QDQ ONNX model of a model trained with `quantizer` attached. Throws {@link QatExportError}
 * when sites sharing a tensor disagree on its range or a Linear or embedding table the quantizer
 * simulated does not come out quantized.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tf, TfDistilBert } from "../train/mod.ts";
 * import { DISTILBERT_BASE, randomDistilBertWeights } from "../model/mod.ts";
 * import { QatQuantizer } from "./quantizer.ts";
 * import { exportQatModel } from "./export.ts";
 * const config = { ...DISTILBERT_BASE, vocabSize: 20, dim: 8, nLayers: 1, nHeads: 2, hiddenDim: 16, maxPositionEmbeddings: 8 };
 * const model = await TfDistilBert.fromWeights(config, randomDistilBertWeights(config, { seed: 1 }));
 * const qat = new QatQuantizer();
 * qat.attach(model);
 * const batch = { size: 1, seqLen: 3, inputIds: [2, 7, 3], attentionMask: [1, 1, 1] };
 * tf.tidy(() => model.forward(batch, { training: true }).logits);
 * const { model: onnx, report } = exportQatModel(model, qat);
 * assert.deepEqual(report.counts, { quantized: 8, fp32: 2 }); // 8 Linears; attention stays float
 * assert.ok(onnx.graph.nodes.some((n) => n.opType === "QuantizeLinear"));
 * model.dispose();
 * ```
 */
export function exportQatModel(
  model: TfDistilBert,
  quantizer: QatQuantizer,
  options: QatExportOptions = {},
): QatExport {
  const fp32 = buildDistilBertGraph(model.config, model.toWeightMap(), options.graph);
  const sites = graphSites(fp32);
  const ranges = tensorRanges(quantizer.ranges(), sites, quantizer.scheme.quantizeAttention);
  const excluded = quantizer.scheme.excludeLinears.map((linear) => {
    const node = sites.linearNodes.get(linear);
    if (!node) {
      throw new QatExportError(
        `excluded Linear "${linear}" is not in the graph; name Linears by state-dict prefix ` +
          `(e.g. ${[...sites.linearNodes.keys()].slice(-1)[0]}).`,
      );
    }
    return node;
  });
  const { model: qdq, report } = quantizeStatic(
    fp32,
    ranges,
    staticOptionsOf(quantizer.scheme, excluded),
  );
  const outcome = new Map(report.nodes.map((n) => [n.node, n]));
  for (const [linear, node] of sites.linearNodes) {
    const simulated = !quantizer.scheme.excludeLinears.includes(linear) &&
      ranges.has(sites.tensors.get(linear)!);
    const entry = outcome.get(node);
    if (simulated && !entry?.quantized) {
      throw new QatExportError(
        `Linear "${linear}" (node ${node}) was fake-quantized in training but quantizeStatic ` +
          `left it float: ${entry?.reason ?? "not visited"}.`,
      );
    }
  }
  if (quantizer.scheme.quantizeEmbeddings) {
    for (const [table, node] of embeddingNodes(fp32)) {
      const entry = outcome.get(node);
      if (!entry?.quantized) {
        throw new QatExportError(
          `embedding table "${table}" (node ${node}) was fake-quantized in training but ` +
            `quantizeStatic left it float: ${entry?.reason ?? "not visited"}.`,
        );
      }
    }
  }
  return { model: qdq, fp32, report, ranges, sites };
}

/**
 * Site ranges → ranges by ONNX tensor. Sites that read the same tensor (q/k/v) must agree.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tensorRanges } from "./export.ts";
 * const sites = { tensors: new Map([["q", "x"], ["k", "x"]]), linearNodes: new Map([["q", "/q/MatMul"], ["k", "/k/MatMul"]]) };
 * const r = { min: -1, max: 1 };
 * assert.deepEqual(tensorRanges(new Map([["q", r], ["k", r]]), sites, false), new Map([["x", r]]));
 * ```
 */
export function tensorRanges(
  ranges: ReadonlyMap<string, MinMax>,
  sites: GraphSites,
  includeAttention: boolean,
): Map<string, MinMax> {
  const out = new Map<string, MinMax>();
  const owner = new Map<string, string>();
  for (const [site, range] of ranges) {
    const tensor = sites.tensors.get(site);
    if (!tensor) {
      throw new QatExportError(
        `site "${site}" has no tensor in the graph; it was observed on another architecture.`,
      );
    }
    if (!includeAttention && !sites.linearNodes.has(site)) continue;
    const seen = out.get(tensor);
    if (seen && (seen.min !== range.min || seen.max !== range.max)) {
      throw new QatExportError(
        `sites "${owner.get(tensor)}" and "${site}" read the same tensor "${tensor}" but have ` +
          `ranges [${seen.min}, ${seen.max}] and [${range.min}, ${range.max}]; give them the ` +
          "same range (set them together with setRanges).",
      );
    }
    out.set(tensor, range);
    owner.set(tensor, site);
  }
  return out;
}

/**
 * Ranges by ONNX tensor (a `calibrate` result's `ranges`) → ranges by site: the calibration
 * warm-up that starts QAT exactly where post-training quantization is.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { siteRanges } from "./export.ts";
 * const sites = { tensors: new Map([["q", "x"], ["k", "x"], ["out", "y"]]), linearNodes: new Map() };
 * const r = { min: -1, max: 1 };
 * assert.deepEqual(siteRanges({ x: r }, sites), new Map([["q", r], ["k", r]]));
 * ```
 */
export function siteRanges(
  byTensor: Readonly<Record<string, MinMax>> | ReadonlyMap<string, MinMax>,
  sites: GraphSites,
): Map<string, MinMax> {
  const lookup = byTensor instanceof Map
    ? byTensor
    : new Map(Object.entries(byTensor as Record<string, MinMax>));
  const out = new Map<string, MinMax>();
  for (const [site, tensor] of sites.tensors) {
    const range = lookup.get(tensor);
    if (range) out.set(site, { min: range.min, max: range.max });
  }
  return out;
}
