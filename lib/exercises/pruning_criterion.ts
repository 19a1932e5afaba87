import { ExerciseCheck } from "./exercise_check.ts";

/** Exercise 02.2: a criterion against a random mask. */
export const PRUNING_CRITERION_EXERCISE = "Prune by a criterion, not at random";

/** A pruned model scored against the dense one on the same rows. */
export interface PrunedAgainstDense {
  /** The criterion that chose the mask. */
  criterion: string;
  /** Zero fraction of the prunable weights. */
  sparsity: number;
  /** Share of rows predicted as the dense model predicts. */
  agreement: number;
  /** Mean |logit − dense logit|. */
  meanAbsLogitError: number;
}

/** Options of {@link checkPruningCriterion}. */
export interface PruningCriterionOptions {
  /** The learner's mask, scored. */
  candidate: PrunedAgainstDense;
  /** A random mask of the same sparsity, scored the same way. */
  random: PrunedAgainstDense;
  /** Smallest relative cut of the mean |Δlogit| against the random mask (default 0.2). */
  margin?: number;
}

/**
 * Checks that a pruning mask keeps more of the dense model's function than a random mask of the
 * same sparsity: at least `margin` less mean logit error, and no lower agreement. A criterion
 * that cannot beat chance at equal sparsity is not a criterion.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkPruningCriterion } from "./pruning_criterion.ts";
 * const random = { criterion: "random", sparsity: 0.7, agreement: 0.62, meanAbsLogitError: 0.9 };
 * assert.equal(checkPruningCriterion({ candidate: random, random }).passed, false);
 * const magnitude = { criterion: "magnitude", sparsity: 0.7, agreement: 0.91, meanAbsLogitError: 0.3 };
 * assert.equal(checkPruningCriterion({ candidate: magnitude, random }).passed, true);
 * ```
 */
export function checkPruningCriterion(options: PruningCriterionOptions): ExerciseCheck {
  const { candidate, random } = options;
  const margin = options.margin ?? 0.2;
  const sameSparsity = Math.abs(candidate.sparsity - random.sparsity) < 0.01;
  const cut = 1 - candidate.meanAbsLogitError / random.meanAbsLogitError;
  const passed = sameSparsity && cut >= margin && candidate.agreement >= random.agreement;
  const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
  return new ExerciseCheck(
    PRUNING_CRITERION_EXERCISE,
    passed,
    `${candidate.criterion} at ${pct(candidate.sparsity)} sparsity: agreement with dense ` +
      `${pct(candidate.agreement)}, mean |Δlogit| ${
        candidate.meanAbsLogitError.toPrecision(3)
      }; a ` +
      `random mask at ${pct(random.sparsity)}: ${pct(random.agreement)}, ` +
      `${random.meanAbsLogitError.toPrecision(3)} (${pct(cut)} less logit error; ` +
      `${pct(margin)} needed${sameSparsity ? "" : ", and the sparsities must be equal"}).`,
    "a random mask removes large and small weights alike; rank the weights by a saliency score " +
      "instead — |w| (magnitude) is the simplest: the smallest weights change the outputs least.",
  );
}
