import { ExerciseCheck } from "./exercise_check.ts";
import { allRecipes, candidatePool, type FallbackGroup, type RecipeSpace } from "../tune/mod.ts";

/** Exercise 07.2: a budget the exhaustive strategy can finish. */
export const EXHAUSTIVE_BUDGET_EXERCISE = "A budget that covers the exhaustive space";

/** Options of {@link checkExhaustiveBudget}. */
export interface ExhaustiveBudgetOptions {
  /** The trial budget (`maxTrials`). */
  budget: number;
  /** The recipe space searched (`recipeSpace("static", {}, overrides)`). */
  space: RecipeSpace;
  /** The fallback blocks of the model (`blockGroups` of its quantizable nodes). */
  blocks: readonly FallbackGroup[];
  /** Seconds one trial takes, to say what covering the space costs (optional). */
  secondsPerTrial?: number;
}

/**
 * Checks that `exhaustive` can try its whole space within the budget: every recipe × every set
 * of FP32 fallback blocks (all but one at most), 2^blocks − 1 sets, counted with the strategy's
 * own `candidatePool`. It tries the fewest fallbacks first, so a budget far below the space
 * never reaches a configuration that gives any block back: it is then the first few recipes,
 * not a search.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { recipeSpace } from "../tune/mod.ts";
 * import { checkExhaustiveBudget } from "./exhaustive_budget.ts";
 * const space = recipeSpace("static", {}, { calibration: ["minmax", "entropy"], perChannel: [true], activationSymmetric: [true] });
 * const blocks = ["a", "b", "c"].map((label) => ({ label, nodes: [label] }));
 * assert.equal(checkExhaustiveBudget({ budget: 6, space, blocks }).passed, false); // 2 × 7 = 14
 * assert.equal(checkExhaustiveBudget({ budget: 14, space, blocks }).passed, true);
 * ```
 */
export function checkExhaustiveBudget(options: ExhaustiveBudgetOptions): ExerciseCheck {
  const units = options.blocks.length > 1 ? options.blocks : [];
  const recipes = allRecipes(options.space).length;
  const size = candidatePool(options.space, units, {
    phase: "exhaustive",
    limit: Infinity,
  }).length;
  const covered = Math.min(options.budget, size);
  const firstFallback = recipes; // candidates with no fallback come first
  const cost = options.secondsPerTrial === undefined
    ? ""
    : ` At ${options.secondsPerTrial.toFixed(1)} s a trial the whole space takes ` +
      `${(size * options.secondsPerTrial / 60).toFixed(1)} min.`;
  return new ExerciseCheck(
    EXHAUSTIVE_BUDGET_EXERCISE,
    options.budget >= size,
    `the space has ${size} candidates (${recipes} recipe(s) × ${size / recipes} sets of ` +
      `the ${options.blocks.length} blocks left in FP32); a budget of ${options.budget} tries ` +
      `${covered} (${(100 * covered / size).toFixed(1)}%)` +
      (options.budget <= firstFallback ? ", none with a block left in FP32." : ".") + cost,
    "exhaustive is for small spaces: narrow the recipe space to the values you care about " +
      "(e.g. one calibration method, per-channel weights only) and raise the budget to the " +
      "number of candidates — or use basic or bayesian, which need a fraction of it.",
  );
}
