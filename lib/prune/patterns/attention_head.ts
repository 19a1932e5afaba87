/**
 * Attention-head pruning: group h of a layer is rows `[h·d, (h+1)·d)` (d = dim / nHeads) of
 * `q_lin`, `k_lin`, `v_lin` (weights and biases) and the same columns of `out_lin.weight` —
 * removing it drops a head. A layer's attention is a unit when its four Linear weights are
 * prunable; at least one head stays (a target that would prune them all is refused).
 *
 * @module
 */
import type { Tensor, Tensor1D } from "@tensorflow/tfjs";
import { tf } from "../../train/backend.ts";
import type { MaskSet } from "../mask.ts";
import type { PrunePattern, PruneUnit } from "./types.ts";

const QKV = ["q_lin", "k_lin", "v_lin"];

function headUnit(prefix: string, dim: number, heads: number): PruneUnit {
  const d = dim / heads;
  const rows = QKV.map((l) => `${prefix}.${l}.weight`);
  const biases = QKV.map((l) => `${prefix}.${l}.bias`);
  const out = `${prefix}.out_lin.weight`;
  const weights = new Map<string, number[]>();
  for (const name of rows) weights.set(name, [dim, dim]);
  for (const name of biases) weights.set(name, [dim]);
  weights.set(out, [dim, dim]);
  return {
    name: prefix,
    weights,
    groups: heads,
    groupSize: 4 * d * dim + 3 * d,
    maxPruned: heads - 1,
    groupScores: (scores) => {
      const sums = new Float64Array(heads);
      for (const name of rows) {
        const s = scores.get(name);
        if (s) { for (let i = 0; i < s.length; i++) sums[Math.floor(i / dim / d)] += s[i]; }
      }
      for (const name of biases) {
        const s = scores.get(name);
        if (s) { for (let i = 0; i < s.length; i++) sums[Math.floor(i / d)] += s[i]; }
      }
      const s = scores.get(out);
      if (s) { for (let i = 0; i < s.length; i++) sums[Math.floor((i % dim) / d)] += s[i]; }
      return Float32Array.from(sums);
    },
    eligible: (scores) => {
      // Never every head: the best one stays (a global target cannot empty a layer).
      let best = 0;
      for (let h = 1; h < heads; h++) if (scores[h] > scores[best]) best = h;
      return Uint8Array.from({ length: heads }, (_, h) => (h === best ? 0 : 1));
    },
    applyKeep: (keep: Uint8Array, masks: MaskSet) => {
      for (let h = 0; h < heads; h++) {
        if (keep[h]) continue;
        for (const name of rows) masks.get(name)!.mask.fill(0, h * d * dim, (h + 1) * d * dim);
        for (const name of biases) masks.get(name)!.mask.fill(0, h * d, (h + 1) * d);
        const m = masks.get(out)!.mask;
        for (let r = 0; r < dim; r++) m.fill(0, r * dim + h * d, r * dim + (h + 1) * d);
      }
    },
    groupSquares: (weight: (name: string) => Tensor) =>
      tf.addN([
        ...rows.map((name) => tf.sum(tf.reshape(tf.square(weight(name)), [heads, d * dim]), 1)),
        ...biases.map((name) => tf.sum(tf.reshape(tf.square(weight(name)), [heads, d]), 1)),
        tf.sum(tf.reshape(tf.square(weight(out)), [dim, heads, d]), [0, 2]),
      ]) as Tensor1D,
  };
}

/**
 * The attention-head pattern (registered as `head`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HEAD_PATTERN } from "./attention_head.ts";
 * import { prunableWeights } from "../layers.ts";
 * import { DISTILBERT_BASE } from "../../model/config.ts";
 * const [unit] = HEAD_PATTERN.units(DISTILBERT_BASE, prunableWeights(DISTILBERT_BASE, { layers: [2] }));
 * assert.equal(unit.name, "distilbert.transformer.layer.2.attention");
 * assert.equal(unit.groups, 12);
 * assert.equal(unit.maxPruned, 11);
 * ```
 */
export const HEAD_PATTERN: PrunePattern = {
  name: "head",
  structured: true,
  units: (config, prunable) => {
    const out: PruneUnit[] = [];
    for (let i = 0; i < config.nLayers; i++) {
      const prefix = `distilbert.transformer.layer.${i}.attention`;
      const all = ["q_lin", "k_lin", "v_lin", "out_lin"].every((l) =>
        prunable.has(`${prefix}.${l}.weight`)
      );
      if (all) out.push(headUnit(prefix, config.dim, config.nHeads));
    }
    return out;
  },
};
