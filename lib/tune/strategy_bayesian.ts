/**
 * The `bayesian` strategy: Bayesian optimization over the encoded configuration space (every
 * recipe × sets of FP32 fallback blocks, see `candidates.ts`). After the default configuration
 * and two seeded random draws among candidates with at most one block in FP32, a Gaussian process
 * (Matérn 5/2, `gaussian_process.ts`) is fitted to what the trials scored — accuracy minus a price
 * for the blocks left in FP32 (twice the criterion's slack for all of them, so a passing
 * configuration that gives back most of the model scores below a failing one that gives back
 * little) — and the untried candidate with the largest expected improvement runs next (ties:
 * the first in pool order, fewest fallbacks first). Stops at the
 * first trial that meets the criterion (unless the run optimizes an objective), when the pool is
 * spent, or at the budget. Deterministic for a seed.
 *
 * @module
 */

import { candidatePool, encodeCandidate } from "./candidates.ts";
import { expectedImprovement, fitGaussianProcess } from "./gaussian_process.ts";
import type { Candidate } from "./quantization_space.ts";
import { registerStrategy, type TuneStrategy } from "./strategy.ts";
import type { Trial } from "./types.ts";

/** Random draws after the default before the process takes over. */
export const BAYESIAN_INITIAL_DRAWS = 2;

/** The `bayesian` strategy (registered as `"bayesian"`). */
export const bayesianStrategy: TuneStrategy = registerStrategy({
  name: "bayesian",
  description: "Gaussian process + expected improvement over recipes × fallback blocks, seeded",
  async run(ctx) {
    const blocks = ctx.blocks();
    const units = blocks.length > 1 ? blocks : [];
    const pool = candidatePool(ctx.space, units, { phase: "bayesian" });
    const xs = pool.map((c) => encodeCandidate(c, ctx.space, units));
    const seen: { x: number[]; y: number }[] = [];
    const open = new Set(pool.keys());
    const slack = Math.max(1e-3, ctx.baseline.accuracy - ctx.threshold);
    const score = (c: Candidate, t: Trial) =>
      t.accuracy - 2 * slack * ((c.fallback?.length ?? 0) / Math.max(1, units.length));
    const runAt = async (i: number, phase: string): Promise<Trial | "stop" | undefined> => {
      open.delete(i);
      const candidate = { ...pool[i], phase };
      if (ctx.tried(candidate)) return undefined;
      const trial = await ctx.run(candidate);
      if (!trial) return "stop";
      seen.push({ x: xs[i], y: score(candidate, trial) });
      return ctx.satisfied(trial) ? "stop" : trial;
    };
    const first = await ctx.run({ phase: "default", recipe: ctx.defaultRecipe });
    if (!first || ctx.satisfied(first)) return;
    const defaultIndex = pool.findIndex((c) =>
      (c.fallback?.length ?? 0) === 0 && ctx.tried({ ...c, phase: "default" })
    );
    if (defaultIndex >= 0) {
      open.delete(defaultIndex);
      seen.push({ x: xs[defaultIndex], y: score(pool[defaultIndex], first) });
    }
    const small = [...open].filter((i) => (pool[i].fallback?.length ?? 0) <= 1);
    for (let i = 0; i < BAYESIAN_INITIAL_DRAWS && small.length > 0; i++) {
      const pick = small.splice(ctx.rng.int(small.length), 1)[0];
      if (await runAt(pick, "bayesian-init") === "stop") return;
    }
    while (open.size > 0) {
      const gp = fitGaussianProcess(seen.map((s) => s.x), seen.map((s) => s.y));
      const best = Math.max(...seen.map((s) => s.y));
      let chosen = -1;
      let top = -Infinity;
      for (const i of open) {
        const ei = expectedImprovement(gp.predict(xs[i]), best, 0.01 * slack);
        if (ei > top) [chosen, top] = [i, ei];
      }
      if (await runAt(chosen, "bayesian") === "stop") return;
    }
  },
});
