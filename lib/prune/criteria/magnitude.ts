/**
 * Magnitude pruning: an entry's score is |w|, so the smallest weights go first. Layer-wise or
 * global is the target's `scope` (see `targets.ts`): each matrix loses the same fraction, or one
 * threshold ranks all of them together.
 *
 * @module
 */
import type { CriterionOptions, PruneCriterion } from "./types.ts";

/**
 * The magnitude criterion.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { magnitudeCriterion } from "./magnitude.ts";
 * const s = magnitudeCriterion().scores({ names: ["w"], weight: () => Float32Array.of(-3, 1) });
 * assert.deepEqual([...s.get("w")!], [3, 1]);
 * ```
 */
export function magnitudeCriterion(options: CriterionOptions = {}): PruneCriterion {
  return {
    name: "magnitude",
    needsGradients: false,
    scoringSteps: options.scoringSteps ?? 0,
    scores: ({ names, weight }) => new Map(names.map((name) => [name, absolute(weight(name))])),
  };
}

/** |w| entry by entry (a plain loop: `map(Math.abs)` is several times slower on large weights). */
function absolute(w: Float32Array): Float32Array {
  const out = new Float32Array(w.length);
  for (let i = 0; i < w.length; i++) out[i] = Math.abs(w[i]);
  return out;
}
