/**
 * Element-wise (unstructured) pruning: every weight entry is its own group, so any sparsity is
 * reachable exactly; the architecture stays the same.
 *
 * @module
 */
import type { Tensor, Tensor1D } from "@tensorflow/tfjs";
import { tf } from "../../train/backend.ts";
import type { MaskSet } from "../mask.ts";
import type { PrunePattern, PruneUnit } from "./types.ts";

/** A unit of one weight whose groups are its entries. */
export function elementUnit(name: string, shape: readonly number[]): PruneUnit {
  const size = shape.reduce((a, b) => a * b, 1);
  return {
    name,
    weights: new Map([[name, shape]]),
    groups: size,
    groupSize: 1,
    maxPruned: size,
    groupScores: (scores) => scores.get(name)?.slice() ?? new Float32Array(size),
    applyKeep: (keep: Uint8Array, masks: MaskSet) => {
      const mask = masks.get(name)!.mask;
      for (let i = 0; i < size; i++) if (!keep[i]) mask[i] = 0;
    },
    groupSquares: (weight: (name: string) => Tensor) =>
      tf.reshape(tf.square(weight(name)), [size]) as Tensor1D,
  };
}

/**
 * The element-wise pattern (registered as `unstructured`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ELEMENT_PATTERN } from "./element.ts";
 * import { DISTILBERT_BASE } from "../../model/config.ts";
 * const [unit] = ELEMENT_PATTERN.units(DISTILBERT_BASE, new Map([["classifier.weight", [2, 768]]]));
 * assert.equal(unit.groups, 1536);
 * ```
 */
export const ELEMENT_PATTERN: PrunePattern = {
  name: "unstructured",
  structured: false,
  units: (_config, prunable) => [...prunable].map(([name, shape]) => elementUnit(name, shape)),
};
