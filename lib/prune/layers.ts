/**
 * Which weights pruning may touch: by default the six Linear weights of every transformer layer
 * (`q_lin`, `k_lin`, `v_lin`, `out_lin`, `ffn.lin1`, `ffn.lin2`). The embeddings and the
 * classification head (`pre_classifier`, `classifier`) are left out by default — they are small
 * or sensitive — and can be let in by option; layers and single weights can be left out.
 *
 * @module
 */
import type { DistilBertConfig } from "../model/config.ts";
import { distilBertWeightShapes } from "../model/distilbert_graph.ts";
import { PruneOptionsError } from "./errors.ts";

/** Options of {@link prunableWeights}. */
export interface PrunableOptions {
  /** Also prune `pre_classifier.weight` and `classifier.weight` (default false). */
  classifier?: boolean;
  /** Also prune the word and position embedding tables (default false). */
  embeddings?: boolean;
  /** Transformer layers to prune, by index (default all). */
  layers?: readonly number[];
  /** Weights left out: exact state-dict names or patterns tested against them. */
  exclude?: readonly (string | RegExp)[];
}

const LINEAR =
  /^distilbert\.transformer\.layer\.(\d+)\.(attention\.(q|k|v|out)_lin|ffn\.lin[12])\.weight$/;
const HEAD = /^(pre_classifier|classifier)\.weight$/;
const EMBEDDING = /^distilbert\.embeddings\.(word|position)_embeddings\.weight$/;

/**
 * The prunable weights of a DistilBERT with `config`, name → PyTorch shape, in state-dict order.
 * Throws {@link PruneOptionsError} for a layer index the model does not have.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DISTILBERT_BASE } from "../model/config.ts";
 * import { prunableWeights } from "./layers.ts";
 * assert.equal(prunableWeights(DISTILBERT_BASE).size, 36);
 * assert.equal(prunableWeights(DISTILBERT_BASE, { classifier: true }).size, 38);
 * const two = prunableWeights(DISTILBERT_BASE, { layers: [0], exclude: [/out_lin/] });
 * assert.deepEqual([...two.keys()].map((n) => n.split(".").slice(-2, -1)[0]), ["q_lin", "k_lin", "v_lin", "lin1", "lin2"]);
 * ```
 */
export function prunableWeights(
  config: DistilBertConfig,
  options: PrunableOptions = {},
): Map<string, number[]> {
  for (const i of options.layers ?? []) {
    if (!Number.isInteger(i) || i < 0 || i >= config.nLayers) {
      throw new PruneOptionsError(
        `layers: the model has transformer layers 0–${config.nLayers - 1}, not ${i}; list ` +
          "existing layer indices.",
      );
    }
  }
  const excluded = (name: string) =>
    (options.exclude ?? []).some((x) => typeof x === "string" ? x === name : x.test(name));
  const out = new Map<string, number[]>();
  for (const [name, shape] of distilBertWeightShapes(config)) {
    const linear = LINEAR.exec(name);
    const wanted = linear
      ? (options.layers?.includes(Number(linear[1])) ?? true)
      : HEAD.test(name)
      ? options.classifier === true
      : EMBEDDING.test(name) && options.embeddings === true;
    if (wanted && !excluded(name)) out.set(name, shape);
  }
  return out;
}
