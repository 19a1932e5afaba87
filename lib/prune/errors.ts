/**
 * Errors of `lib/prune`: each names the option (or weight) at fault and how to fix it, and is
 * thrown before any training starts.
 *
 * @module
 */

/** A pruning option cannot be used as given; the message names the option and the fix. */
export class PruneOptionsError extends Error {
  override name = "PruneOptionsError";
}

/** A sparsity outside [0, 1), or above what the pattern allows. */
export class SparsityRangeError extends PruneOptionsError {
  override name = "SparsityRangeError";
}

/** A pattern whose groups do not divide a weight's shape. */
export class PatternShapeError extends PruneOptionsError {
  override name = "PatternShapeError";
}

/** A pattern name no one registered. */
export class UnknownPatternError extends PruneOptionsError {
  override name = "UnknownPatternError";
}

/** A criterion name no one registered. */
export class UnknownCriterionError extends PruneOptionsError {
  override name = "UnknownCriterionError";
}

/** A target that would remove every attention head of a layer. */
export class AllHeadsPrunedError extends PruneOptionsError {
  override name = "AllHeadsPrunedError";
}

/** A criterion was asked for scores it cannot give (e.g. gradients never observed). */
export class PruneCriterionError extends Error {
  override name = "PruneCriterionError";
}
