/**
 * A function-preserving *outlier twin* of a DistilBERT: the same FP32 logits, but a few hidden
 * channels of some activations scaled up by a large factor — the outliers real pretrained BERTs
 * carry (Bondarenko et al., 2021, "Understanding and Overcoming the Challenges of Efficient
 * Transformer Quantization"), which make one per-tensor activation scale waste almost all of its
 * 256 levels on a handful of channels. The stand-ins, trained from scratch, have none, so plain
 * static INT8 meets a 1% criterion at once and tuning strategies cannot be told apart on them;
 * on their twin it fails, and fallback, SmoothQuant and the strategies have something to do.
 *
 * Two rewrites keep the function exactly (up to float rounding):
 * - `"final-layer-norm"`: channel c of the last layer's `output_layer_norm` (γ_c and β_c) is
 *   multiplied by k and column c of `pre_classifier.weight` divided by k. The classifier reads
 *   only this LayerNorm's [CLS] row through `pre_classifier`, so the logits are unchanged. (The
 *   other LayerNorms also feed the residual stream, whose next LayerNorm would see the change.)
 * - `"attention-values"`: in every layer, row c of `v_lin` (weight and bias) is multiplied by k
 *   and column c of `out_lin.weight` divided by k: attention mixes values linearly
 *   (softmax(q·kᵀ)·v), so `out_lin`'s input carries the outliers and its output is unchanged.
 *
 * @module
 */
import type { DistilBertConfig } from "./config.ts";
import type { WeightMap, WeightTensor } from "./weights.ts";
import { createRng } from "../random/mod.ts";

/** Where the outliers are planted. */
export type OutlierSite = "final-layer-norm" | "attention-values";

/** Options of {@link outlierTwin}; {@link OUTLIER_TWIN_DEFAULTS} fills in what is left out. */
export interface OutlierTwinOptions {
  /** Scale of the outlier channels. */
  factor?: number;
  /** How many hidden channels get it, chosen by `seed`. */
  channels?: number;
  /** Seed of the channel choice. */
  seed?: number;
  /** Where. */
  sites?: readonly OutlierSite[];
}

/**
 * The twin's defaults, in one place (the workshop's notebook 07, the `tune` bench suite and the
 * experiment configs' `outlier_twin` use them): both sites, 4 channels, seed 0, factor 10 000.
 *
 * Why 10 000, measured on the mini stand-in's twin (the first 128 MRPC validation pairs, FP32
 * accuracy 0.7266, 4 channels, both sites; threshold of a 1% criterion 0.7193): at 1000 plain
 * static INT8 collapses to the majority class (0.7031, agreement with FP32 0.789), but entropy
 * calibration with per-channel weights clips the outlier channels and passes (0.7344) — a recipe
 * fixes the model and strategies cannot be told apart by how they search the fallbacks. At 10 000
 * every calibration method collapses (entropy's narrowest range still spans 128 of its 2048 bins,
 * wider than the bulk), and only leaving the five Linears whose inputs carry the outliers (every
 * layer's `out_lin` and `pre_classifier`) in FP32 gives the FP32 predictions back (agreement 1);
 * `pre_classifier` alone, any one `out_lin`, all four `out_lin`s, or `pre_classifier` with layer
 * 3's still collapse (with layers 2 and 3's it passes by one pair, agreement 0.82). Below 1000 the
 * damage is partial and a 128-pair accuracy passes or fails by a pair (at 100 and 16 channels the default
 * passes at agreement 0.84 and falling back all `out_lin`s fails at 0.99).
 */
export const OUTLIER_TWIN_DEFAULTS: Readonly<Required<OutlierTwinOptions>> = Object.freeze({
  factor: 10_000,
  channels: 4,
  seed: 0,
  sites: Object.freeze(["attention-values", "final-layer-norm"] as const),
});

/** The twin's weights and what was changed. */
export interface OutlierTwin {
  weights: WeightMap;
  factor: number;
  /** The scaled hidden channels, ascending. */
  channels: number[];
  sites: OutlierSite[];
  /** State-dict names of the Linears whose *input* now carries the outliers. */
  outlierInputs: string[];
}

/** The options or the weights do not fit; the message names what and the fix. */
export class OutlierTwinError extends Error {
  override name = "OutlierTwinError";
}

/**
 * The outlier twin of `weights` (a new map; the input is not changed).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DISTILBERT_BASE, outlierTwin, randomDistilBertWeights } from "./mod.ts";
 * const config = { ...DISTILBERT_BASE, vocabSize: 30, maxPositionEmbeddings: 16, dim: 8, nLayers: 1, nHeads: 2, hiddenDim: 16 };
 * const weights = randomDistilBertWeights(config, { seed: 1 });
 * const twin = outlierTwin(config, weights, { factor: 10, channels: 2 });
 * assert.equal(twin.channels.length, 2);
 * const c = twin.channels[0];
 * const name = "distilbert.transformer.layer.0.output_layer_norm.weight";
 * assert.ok(Math.abs(twin.weights.get(name)!.data[c] - 10 * weights.get(name)!.data[c]) < 1e-5);
 * assert.deepEqual(twin.outlierInputs, ["distilbert.transformer.layer.0.attention.out_lin", "pre_classifier"]);
 * ```
 */
export function outlierTwin(
  config: DistilBertConfig,
  weights: WeightMap,
  options: OutlierTwinOptions = {},
): OutlierTwin {
  const factor = options.factor ?? OUTLIER_TWIN_DEFAULTS.factor;
  const count = options.channels ?? OUTLIER_TWIN_DEFAULTS.channels;
  const sites = [...(options.sites ?? OUTLIER_TWIN_DEFAULTS.sites)];
  if (!(factor > 0) || !Number.isFinite(factor)) {
    throw new OutlierTwinError(`factor ${factor} must be a positive number (e.g. 50).`);
  }
  if (!Number.isInteger(count) || count < 1 || count > config.dim) {
    throw new OutlierTwinError(`channels ${count} must be a whole number in [1, ${config.dim}].`);
  }
  const channels = pickChannels(config.dim, count, options.seed ?? OUTLIER_TWIN_DEFAULTS.seed);
  const out: WeightMap = new Map(weights);
  const outlierInputs: string[] = [];
  if (sites.includes("attention-values")) {
    for (let l = 0; l < config.nLayers; l++) {
      const a = `distilbert.transformer.layer.${l}.attention`;
      scaleRows(out, `${a}.v_lin.weight`, channels, factor);
      scaleRows(out, `${a}.v_lin.bias`, channels, factor);
      scaleColumns(out, `${a}.out_lin.weight`, channels, 1 / factor);
      outlierInputs.push(`${a}.out_lin`);
    }
  }
  if (sites.includes("final-layer-norm")) {
    const norm = `distilbert.transformer.layer.${config.nLayers - 1}.output_layer_norm`;
    scaleRows(out, `${norm}.weight`, channels, factor);
    scaleRows(out, `${norm}.bias`, channels, factor);
    scaleColumns(out, "pre_classifier.weight", channels, 1 / factor);
    outlierInputs.push("pre_classifier");
  }
  return { weights: out, factor, channels, sites, outlierInputs };
}

function pickChannels(dim: number, count: number, seed: number): number[] {
  const all = Array.from({ length: dim }, (_, i) => i);
  return createRng(seed).sample(all, count).sort((a, b) => a - b);
}

function tensor(weights: WeightMap, name: string): WeightTensor {
  const t = weights.get(name);
  if (!t) {
    throw new OutlierTwinError(
      `the weights have no "${name}": an outlier twin needs a DistilBertForSequenceClassification ` +
        `state dict (distilbert.transformer.layer.N.…, pre_classifier).`,
    );
  }
  return t;
}

/** Multiplies entry (1-D) or row (2-D, `[out, in]`) c by `k` for each channel, on a copy. */
function scaleRows(weights: WeightMap, name: string, channels: number[], k: number): void {
  const t = tensor(weights, name);
  const data = new Float32Array(t.data);
  const cols = t.shape.length === 2 ? t.shape[1] : 1;
  for (const c of channels) {
    for (let j = 0; j < cols; j++) data[c * cols + j] *= k;
  }
  weights.set(name, { shape: [...t.shape], data });
}

/** Multiplies column c of a `[out, in]` weight by `k` for each channel, on a copy. */
function scaleColumns(weights: WeightMap, name: string, channels: number[], k: number): void {
  const t = tensor(weights, name);
  const [rows, cols] = t.shape;
  const data = new Float32Array(t.data);
  for (let r = 0; r < rows; r++) {
    for (const c of channels) data[r * cols + c] *= k;
  }
  weights.set(name, { shape: [...t.shape], data });
}
