/**
 * First-order Taylor saliency (SNIP): an entry's score is Σ_batches |w·∂L/∂w|, the estimated
 * change of the loss if the weight were removed, accumulated over the batches seen so far.
 *
 * @module
 */
import { gradientCriterion } from "./gradient_scores.ts";
import type { CriterionOptions, PruneCriterion } from "./types.ts";

/**
 * The taylor criterion (a one-shot prune observes 4 updates by default).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { taylorCriterion } from "./taylor.ts";
 * const c = taylorCriterion();
 * const context = { names: ["w"], weight: () => Float32Array.of(2, -1) };
 * c.observe!({ ...context, gradients: new Map([["w", Float32Array.of(0.5, 3)]]) });
 * c.observe!({ ...context, gradients: new Map([["w", Float32Array.of(-1, 0)]]) });
 * assert.deepEqual([...c.scores(context).get("w")!], [3, 3]);
 * ```
 */
export function taylorCriterion(options: CriterionOptions = {}): PruneCriterion {
  return gradientCriterion({ name: "taylor", decay: 1, scoringSteps: options.scoringSteps ?? 4 });
}
