/**
 * Where DistilBERT's parameters, bytes and FLOPs are: embeddings, attention, FFN and the
 * classifier head, from the model's own weight names and shapes.
 *
 * @module
 */
import { Figure, Table } from "../display/mod.ts";
import type { DistilBertConfig } from "./config.ts";
import { distilBertWeightShapes } from "./distilbert_graph.ts";
import { elementCount } from "./weights.ts";

/** The parts of a DistilBERT sequence classifier. */
export type AnatomyPartName = "embeddings" | "attention" | "ffn" | "classifier";

/** One part: its parameters, their bytes, and the FLOPs of one sequence through it. */
export interface AnatomyPart {
  part: AnatomyPartName;
  parameters: number;
  bytes: number;
  /** Floating-point operations (a multiply-add counts 2) of one sequence of `seqLen` tokens. */
  flops: number;
}

/** Options of {@link distilbertAnatomy}. */
export interface AnatomyOptions {
  /** Tokens per sequence for the FLOPs (default 128). */
  seqLen?: number;
  /** Bytes per parameter (default 4, FP32). */
  bytesPerParameter?: number;
}

/** The part a DistilBERT weight belongs to, by its state-dict name. */
export function anatomyPartOf(name: string): AnatomyPartName {
  if (name.includes(".embeddings.")) return "embeddings";
  if (name.includes(".attention.") || name.includes(".sa_layer_norm.")) return "attention";
  if (name.includes(".ffn.") || name.includes(".output_layer_norm.")) return "ffn";
  return "classifier";
}

/**
 * Parameters, bytes and FLOPs per part of a DistilBERT classifier. Parameters come from the
 * weights' shapes; FLOPs count the matrix products (the linears, and attention's `QKᵀ` and
 * `softmax·V`, which grow with `seqLen²`): LayerNorm, softmax, GELU and the embedding lookups
 * are a few operations per element and are left out. The classifier runs on the `[CLS]` token
 * only.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { distilbertAnatomy } from "./anatomy.ts";
 * import { DISTILBERT_BASE } from "./config.ts";
 * const parts = distilbertAnatomy(DISTILBERT_BASE);
 * const total = parts.reduce((n, p) => n + p.parameters, 0);
 * assert.equal(total, 66_955_010); // DistilBertForSequenceClassification, 2 labels
 * ```
 */
export function distilbertAnatomy(
  config: DistilBertConfig,
  options: AnatomyOptions = {},
): AnatomyPart[] {
  const seqLen = options.seqLen ?? 128;
  const bytesPerParameter = options.bytesPerParameter ?? 4;
  const parameters: Record<AnatomyPartName, number> = {
    embeddings: 0,
    attention: 0,
    ffn: 0,
    classifier: 0,
  };
  for (const [name, shape] of distilBertWeightShapes(config)) {
    parameters[anatomyPartOf(name)] += elementCount(shape);
  }
  const { dim: d, hiddenDim: h, nLayers, numLabels } = config;
  const S = seqLen;
  const flops: Record<AnatomyPartName, number> = {
    embeddings: 0,
    attention: nLayers * (4 * 2 * S * d * d + 2 * 2 * S * S * d),
    ffn: nLayers * 2 * 2 * S * d * h,
    classifier: 2 * d * d + 2 * d * numLabels,
  };
  return (Object.keys(parameters) as AnatomyPartName[]).map((part) => ({
    part,
    parameters: parameters[part],
    bytes: parameters[part] * bytesPerParameter,
    flops: flops[part],
  }));
}

/**
 * The anatomy as shares: for each part, its percentage of the parameters (= bytes) and of the
 * FLOPs, side by side.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { anatomyFigure, distilbertAnatomy } from "./mod.ts";
 * import { DISTILBERT_BASE } from "./config.ts";
 * const fig = anatomyFigure(distilbertAnatomy(DISTILBERT_BASE));
 * assert.equal(fig.data.length, 2);
 * ```
 */
export function anatomyFigure(parts: readonly AnatomyPart[], options: { title?: string } = {}) {
  const share = (key: "parameters" | "flops") => {
    const total = parts.reduce((n, p) => n + p[key], 0);
    return parts.map((p) => (100 * p[key]) / total);
  };
  const x = parts.map((p) => p.part);
  return new Figure([
    { type: "bar", name: "parameters and bytes (%)", x, y: share("parameters") },
    { type: "bar", name: "FLOPs per sequence (%)", x, y: share("flops") },
  ], {
    title: { text: options.title ?? "Where the parameters and the compute are" },
    barmode: "group",
    yaxis: { title: { text: "% of the model" } },
  });
}

/**
 * The anatomy as a table: parameters, MB and GFLOPs per part.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { anatomyTable, distilbertAnatomy } from "./mod.ts";
 * import { DISTILBERT_BASE } from "./config.ts";
 * const table = anatomyTable(distilbertAnatomy(DISTILBERT_BASE));
 * assert.equal(table.rows.at(-1)!.part, "total");
 * ```
 */
export function anatomyTable(parts: readonly AnatomyPart[], options: { title?: string } = {}) {
  const sum = (key: "parameters" | "bytes" | "flops") => parts.reduce((n, p) => n + p[key], 0);
  const rows = [...parts, {
    part: "total",
    parameters: sum("parameters"),
    bytes: sum("bytes"),
    flops: sum("flops"),
  }];
  return new Table(
    rows.map((p) => ({
      part: p.part,
      parameters: p.parameters,
      "% parameters": (100 * p.parameters) / sum("parameters"),
      MB: p.bytes / 1e6,
      GFLOPs: p.flops / 1e9,
      "% FLOPs": (100 * p.flops) / sum("flops"),
    })),
    { title: options.title ?? "DistilBERT's anatomy", digits: 2 },
  );
}
