/**
 * The `exhaustive` strategy: every recipe × every set of FP32 fallback blocks (all blocks but
 * one at most), fewest fallbacks first — for small spaces, where the best configuration is worth
 * knowing for sure. It does not stop at the first trial that meets the criterion: the best of the
 * whole space (fewest nodes in FP32, then accuracy, or the run's objective) is the answer. Spaces
 * over 20 000 candidates are refused; the budget (`maxTrials`, time) still applies.
 *
 * @module
 */

import { candidatePool } from "./candidates.ts";
import { registerStrategy, type TuneStrategy } from "./strategy.ts";

/** The `exhaustive` strategy (registered as `"exhaustive"`). */
export const exhaustiveStrategy: TuneStrategy = registerStrategy({
  name: "exhaustive",
  description: "every recipe × every set of fallback blocks, fewest fallbacks first (small spaces)",
  async run(ctx) {
    const blocks = ctx.blocks();
    const pool = candidatePool(ctx.space, blocks.length > 1 ? blocks : [], {
      phase: "exhaustive",
    });
    for (const candidate of pool) {
      if (ctx.tried(candidate)) continue;
      if (!await ctx.run(candidate)) return;
    }
  },
});
