/**
 * snip-momentum (as Intel Neural Compressor prunes DistilBERT): the Taylor score |w·∂L/∂w| as an
 * exponentially decayed running sum over updates, score ← m · score + |w·g| (m = 0.9), so recent
 * batches — of the weights as they are now, during fine-tuning — count most. (Up to the constant
 * factor 1 − m, which does not change the ranking, an exponential moving average.)
 *
 * @module
 */
import { gradientCriterion } from "./gradient_scores.ts";
import type { CriterionOptions, PruneCriterion } from "./types.ts";
import { PruneOptionsError } from "../errors.ts";

/**
 * The snip-momentum criterion (a one-shot prune observes 8 updates by default).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { snipMomentumCriterion } from "./snip_momentum.ts";
 * const c = snipMomentumCriterion({ momentum: 0.5 });
 * const context = { names: ["w"], weight: () => Float32Array.of(1) };
 * for (const g of [4, 2]) c.observe!({ ...context, gradients: new Map([["w", Float32Array.of(g)]]) });
 * assert.deepEqual([...c.scores(context).get("w")!], [0.5 * 4 + 2]);
 * ```
 */
export function snipMomentumCriterion(options: CriterionOptions = {}): PruneCriterion {
  const momentum = options.momentum ?? 0.9;
  if (!(momentum >= 0 && momentum < 1)) {
    throw new PruneOptionsError(
      `momentum ${momentum} of criterion snip-momentum must be in [0, 1) (e.g. 0.9).`,
    );
  }
  return gradientCriterion({
    name: "snip-momentum",
    decay: momentum,
    scoringSteps: options.scoringSteps ?? 8,
  });
}
