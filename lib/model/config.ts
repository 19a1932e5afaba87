/**
 * The fields of a hub `config.json` for DistilBERT that the kit uses; everything is read from the
 * file, nothing about sizes is hard-coded.
 */
export interface DistilBertConfig {
  modelType: "distilbert";
  vocabSize: number;
  /** Hidden size (`dim`). */
  dim: number;
  /** Number of transformer blocks (`n_layers`). */
  nLayers: number;
  /** Attention heads (`n_heads`). */
  nHeads: number;
  /** FFN inner size (`hidden_dim`). */
  hiddenDim: number;
  maxPositionEmbeddings: number;
  /** "gelu" or "relu". */
  activation: string;
  numLabels: number;
  id2label: Record<number, string>;
  padTokenId: number;
  sinusoidalPosEmbds: boolean;
  /** LayerNorm epsilon (DistilBERT uses 1e-12). */
  layerNormEps: number;
  /**
   * Per-layer sizes of a structurally pruned model (one entry per layer): its attention heads
   * (each still `dim / nHeads` wide) and FFN units. Absent: every layer has `nHeads` and
   * `hiddenDim`. Written to `config.json` as the kit's own `layer_sizes` key.
   */
  layers?: LayerSizes[];
}

/** The sizes of one transformer layer of a (possibly pruned) DistilBERT. */
export interface LayerSizes {
  /** Attention heads of the layer (each `dim / config.nHeads` wide). */
  nHeads: number;
  /** FFN units of the layer. */
  hiddenDim: number;
}

/**
 * The sizes of layer `i`: `config.layers[i]` when the config has per-layer sizes, else the
 * config's `nHeads` and `hiddenDim`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DISTILBERT_BASE, layerSizes } from "./config.ts";
 * assert.deepEqual(layerSizes(DISTILBERT_BASE, 3), { nHeads: 12, hiddenDim: 3072 });
 * const pruned = { ...DISTILBERT_BASE, nLayers: 1, layers: [{ nHeads: 9, hiddenDim: 1536 }] };
 * assert.deepEqual(layerSizes(pruned, 0), { nHeads: 9, hiddenDim: 1536 });
 * ```
 */
export function layerSizes(config: DistilBertConfig, i: number): LayerSizes {
  const layer = config.layers?.[i];
  return {
    nHeads: layer?.nHeads ?? config.nHeads,
    hiddenDim: layer?.hiddenDim ?? config.hiddenDim,
  };
}

/** `config.json` could not be used; the message names the field and the file. */
export class ModelConfigError extends Error {
  override name = "ModelConfigError";
}

/** Full-size `distilbert-base-uncased` with a two-label classification head. */
export const DISTILBERT_BASE: DistilBertConfig = {
  modelType: "distilbert",
  vocabSize: 30522,
  dim: 768,
  nLayers: 6,
  nHeads: 12,
  hiddenDim: 3072,
  maxPositionEmbeddings: 512,
  activation: "gelu",
  numLabels: 2,
  id2label: { 0: "LABEL_0", 1: "LABEL_1" },
  padTokenId: 0,
  sinusoidalPosEmbds: false,
  layerNormEps: 1e-12,
};

/**
 * Parses a hub `config.json` (its text or parsed object) into a {@link DistilBertConfig}.
 * `source` names the file in error messages.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseDistilBertConfig } from "./config.ts";
 * const config = parseDistilBertConfig({
 *   model_type: "distilbert", vocab_size: 100, dim: 32, n_layers: 2, n_heads: 4,
 *   hidden_dim: 64, max_position_embeddings: 64, id2label: { "0": "no", "1": "yes" },
 * });
 * assert.equal(config.numLabels, 2);
 * ```
 */
export function parseDistilBertConfig(
  json: string | Record<string, unknown>,
  source = "config.json",
): DistilBertConfig {
  const raw = typeof json === "string" ? parseJson(json, source) : json;
  const modelType = raw.model_type;
  if (modelType !== "distilbert") {
    throw new ModelConfigError(
      `${source}: model_type is ${
        JSON.stringify(modelType)
      }, but the kit builds "distilbert" models; pick a DistilBERT checkpoint or export the model to ONNX (onnx/model.onnx) yourself.`,
    );
  }
  const int = (key: string, fallback?: number): number => {
    const value = raw[key] ?? fallback;
    if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) {
      throw new ModelConfigError(
        `${source}: field "${key}" must be a positive integer, got ${JSON.stringify(value)}.`,
      );
    }
    return value;
  };
  const id2label = labelsOf(raw);
  const dim = int("dim");
  const nHeads = int("n_heads");
  if (dim % nHeads !== 0) {
    throw new ModelConfigError(`${source}: dim ${dim} is not divisible by n_heads ${nHeads}.`);
  }
  return {
    modelType: "distilbert",
    vocabSize: int("vocab_size"),
    dim,
    nLayers: int("n_layers"),
    nHeads,
    hiddenDim: int("hidden_dim"),
    maxPositionEmbeddings: int("max_position_embeddings", 512),
    activation: typeof raw.activation === "string" ? raw.activation : "gelu",
    numLabels: Object.keys(id2label).length,
    id2label,
    padTokenId: typeof raw.pad_token_id === "number" ? raw.pad_token_id : 0,
    sinusoidalPosEmbds: raw.sinusoidal_pos_embds === true,
    layerNormEps: 1e-12,
    ...layerSizesOf(raw, source),
  };
}

/** The kit's `layer_sizes` key (`[{ n_heads, hidden_dim }]`) of a structurally pruned model. */
function layerSizesOf(raw: Record<string, unknown>, source: string): { layers?: LayerSizes[] } {
  const given = raw.layer_sizes;
  if (given === undefined) return {};
  const ok = (v: unknown) => typeof v === "number" && Number.isInteger(v) && v > 0;
  if (
    !Array.isArray(given) || given.length !== raw.n_layers ||
    !given.every((l) => ok(l?.n_heads) && ok(l?.hidden_dim))
  ) {
    throw new ModelConfigError(
      `${source}: "layer_sizes" must list { n_heads, hidden_dim } (positive integers) for each ` +
        `of the n_layers layers; fix or remove it.`,
    );
  }
  return { layers: given.map((l) => ({ nHeads: l.n_heads, hiddenDim: l.hidden_dim })) };
}

function parseJson(text: string, source: string): Record<string, unknown> {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ModelConfigError(`${source} is not valid JSON: ${(error as Error).message}`);
  }
}

function labelsOf(raw: Record<string, unknown>): Record<number, string> {
  const given = raw.id2label as Record<string, string> | undefined;
  if (given && Object.keys(given).length > 0) {
    return Object.fromEntries(Object.entries(given).map(([k, v]) => [Number(k), String(v)]));
  }
  const n = typeof raw.num_labels === "number" ? raw.num_labels : 2;
  return Object.fromEntries(Array.from({ length: n }, (_, i) => [i, `LABEL_${i}`]));
}

/**
 * The inverse of {@link parseDistilBertConfig}: a hub-style `config.json` object, written beside
 * exported or compressed models so other tools can load them.
 */
export function toHubConfigJson(config: DistilBertConfig): Record<string, unknown> {
  const labels = Object.fromEntries(Object.entries(config.id2label));
  return {
    architectures: ["DistilBertForSequenceClassification"],
    model_type: "distilbert",
    activation: config.activation,
    dim: config.dim,
    hidden_dim: config.hiddenDim,
    n_layers: config.nLayers,
    n_heads: config.nHeads,
    vocab_size: config.vocabSize,
    max_position_embeddings: config.maxPositionEmbeddings,
    pad_token_id: config.padTokenId,
    sinusoidal_pos_embds: config.sinusoidalPosEmbds,
    id2label: labels,
    label2id: Object.fromEntries(Object.entries(labels).map(([k, v]) => [v, Number(k)])),
    ...(config.layers
      ? { layer_sizes: config.layers.map((l) => ({ n_heads: l.nHeads, hidden_dim: l.hiddenDim })) }
      : {}),
  };
}
