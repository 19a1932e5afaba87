import { ExerciseCheck } from "./exercise_check.ts";

/** Exercise 04.1: what attention fusion needs first. */
export const FUSION_ORDER_EXERCISE = "Clean the graph before fusing attention";

/**
 * Checks that the attention fusion pass matched one attention block per layer. On a graph
 * straight from the exporter it matches none: the pattern it looks for exists only after the
 * clean-up passes (constant folding, reshape simplification).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkAttentionFusion } from "./fusion_order.ts";
 * assert.equal(checkAttentionFusion({ matches: 0, layers: 6 }).passed, false);
 * assert.equal(checkAttentionFusion({ matches: 6, layers: 6 }).passed, true);
 * ```
 */
export function checkAttentionFusion(options: { matches: number; layers: number }): ExerciseCheck {
  return new ExerciseCheck(
    FUSION_ORDER_EXERCISE,
    options.matches === options.layers,
    `the attention pass fused ${options.matches} of ${options.layers} attention blocks.`,
    "look at the pass's `requires` in the pass table: run constant-folding, dead-node-removal " +
      "and reshape-simplify first (fuse() orders them for you).",
  );
}
