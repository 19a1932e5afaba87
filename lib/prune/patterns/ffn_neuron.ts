/**
 * FFN-neuron (channel) pruning: group j of a layer is row j of `ffn.lin1.weight`, entry j of
 * `ffn.lin1.bias` and column j of `ffn.lin2.weight` — removing it shrinks the FFN's inner size.
 * A layer's FFN is a unit when both its Linear weights are prunable; at least one neuron stays.
 *
 * @module
 */
import type { Tensor, Tensor1D } from "@tensorflow/tfjs";
import { tf } from "../../train/backend.ts";
import type { MaskSet } from "../mask.ts";
import type { PrunePattern, PruneUnit } from "./types.ts";

function ffnUnit(prefix: string, dim: number, hidden: number): PruneUnit {
  const lin1 = `${prefix}.lin1.weight`;
  const bias = `${prefix}.lin1.bias`;
  const lin2 = `${prefix}.lin2.weight`;
  return {
    name: prefix,
    weights: new Map([[lin1, [hidden, dim]], [bias, [hidden]], [lin2, [dim, hidden]]]),
    groups: hidden,
    groupSize: 2 * dim + 1,
    maxPruned: hidden - 1,
    groupScores: (scores) => {
      const sums = new Float64Array(hidden);
      const a = scores.get(lin1);
      const b = scores.get(bias);
      const c = scores.get(lin2);
      for (let j = 0; j < hidden; j++) {
        if (a) { for (let k = 0; k < dim; k++) sums[j] += a[j * dim + k]; }
        if (b) sums[j] += b[j];
      }
      if (c) {
        for (let r = 0; r < dim; r++) for (let j = 0; j < hidden; j++) sums[j] += c[r * hidden + j];
      }
      return Float32Array.from(sums);
    },
    applyKeep: (keep: Uint8Array, masks: MaskSet) => {
      const a = masks.get(lin1)!.mask;
      const b = masks.get(bias)!.mask;
      const c = masks.get(lin2)!.mask;
      for (let j = 0; j < hidden; j++) {
        if (keep[j]) continue;
        a.fill(0, j * dim, (j + 1) * dim);
        b[j] = 0;
        for (let r = 0; r < dim; r++) c[r * hidden + j] = 0;
      }
    },
    groupSquares: (weight: (name: string) => Tensor) =>
      tf.addN([
        tf.sum(tf.square(weight(lin1)), 1),
        tf.square(weight(bias)),
        tf.sum(tf.square(weight(lin2)), 0),
      ]) as Tensor1D,
  };
}

/**
 * The FFN-neuron pattern (registered as `ffn`): one unit per layer whose `ffn.lin1.weight` and
 * `ffn.lin2.weight` are both prunable.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FFN_PATTERN } from "./ffn_neuron.ts";
 * import { prunableWeights } from "../layers.ts";
 * import { DISTILBERT_BASE } from "../../model/config.ts";
 * const units = FFN_PATTERN.units(DISTILBERT_BASE, prunableWeights(DISTILBERT_BASE));
 * assert.equal(units.length, 6);
 * assert.equal(units[0].name, "distilbert.transformer.layer.0.ffn");
 * assert.equal(units[0].groups, 3072);
 * ```
 */
export const FFN_PATTERN: PrunePattern = {
  name: "ffn",
  structured: true,
  units: (config, prunable) => {
    const out: PruneUnit[] = [];
    for (let i = 0; i < config.nLayers; i++) {
      const prefix = `distilbert.transformer.layer.${i}.ffn`;
      if (prunable.has(`${prefix}.lin1.weight`) && prunable.has(`${prefix}.lin2.weight`)) {
        out.push(ffnUnit(prefix, config.dim, config.hiddenDim));
      }
    }
    return out;
  },
};
