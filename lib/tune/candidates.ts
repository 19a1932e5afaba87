/**
 * Enumerating and encoding the quantization space for strategies that see it whole (`exhaustive`,
 * `bayesian`): every recipe of the run's recipe space, the sets of fallback blocks, and a numeric
 * encoding of a candidate (one-hot recipe values, one bit per block, the share of blocks left in
 * FP32) for a Gaussian process.
 *
 * @module
 */

import type { FallbackGroup } from "./groups.ts";
import type { Candidate } from "./quantization_space.ts";
import { pruneRecipe, type Recipe, type RecipeSpace } from "./recipes.ts";
import { TuneOptionsError } from "./errors.ts";

/**
 * Every recipe of `space` (the cartesian product of its dimensions), the default first.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { allRecipes } from "./candidates.ts";
 * const recipes = allRecipes({ calibration: ["minmax", "entropy"], perChannel: [true, false], activationSymmetric: [] });
 * assert.equal(recipes.length, 4);
 * assert.deepEqual(recipes[0], { calibration: "minmax", perChannel: true });
 * ```
 */
export function allRecipes(space: RecipeSpace): Recipe[] {
  let out: Record<string, unknown>[] = [{}];
  for (const [name, values] of Object.entries(space)) {
    if (values.length === 0) continue;
    out = out.flatMap((partial) => values.map((v) => ({ ...partial, [name]: v })));
  }
  return out.map((r) => pruneRecipe(r as Recipe));
}

/**
 * The subsets of `units` with at most `maxSize` members, smallest first (then in order).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { subsetsUpTo } from "./candidates.ts";
 * assert.deepEqual(subsetsUpTo(["a", "b", "c"], 2), [[], ["a"], ["b"], ["c"], ["a", "b"], ["a", "c"], ["b", "c"]]);
 * ```
 */
export function subsetsUpTo<T>(units: readonly T[], maxSize: number): T[][] {
  const out: T[][] = [[]];
  let layer: { set: T[]; next: number }[] = [{ set: [], next: 0 }];
  for (let size = 1; size <= Math.min(maxSize, units.length); size++) {
    const grown: { set: T[]; next: number }[] = [];
    for (const { set, next } of layer) {
      for (let i = next; i < units.length; i++) {
        grown.push({ set: [...set, units[i]], next: i + 1 });
      }
    }
    for (const g of grown) out.push(g.set);
    layer = grown;
  }
  return out;
}

/** Options of {@link candidatePool}. */
export interface CandidatePoolOptions {
  /** Largest fallback set (default: all units but one). */
  maxFallback?: number;
  /** Refuse pools larger than this (default 20 000). */
  limit?: number;
  /** Phase name of the candidates. */
  phase: string;
}

/**
 * Every recipe × every set of fallback `units` (blocks) of at most `maxFallback` members, fewest
 * fallbacks first. Throws a {@link TuneOptionsError} when the pool would exceed `limit`.
 */
export function candidatePool(
  space: RecipeSpace,
  units: readonly FallbackGroup[],
  options: CandidatePoolOptions,
): Candidate[] {
  const maxFallback = options.maxFallback ?? Math.max(0, units.length - 1);
  const recipes = allRecipes(space);
  let count = 0;
  for (let k = 0, c = 1; k <= Math.min(maxFallback, units.length); k++) {
    count += c;
    c = (c * (units.length - k)) / (k + 1);
  }
  const limit = options.limit ?? 20_000;
  if (count * recipes.length > limit) {
    throw new TuneOptionsError(
      `the ${options.phase} space has ${count * recipes.length} candidates (${recipes.length} ` +
        `recipes × ${count} fallback sets), more than ${limit}: narrow the recipe space ` +
        "(space: {...}) or use the bayesian or basic strategy.",
    );
  }
  const sets = subsetsUpTo(units, maxFallback);
  return sets.flatMap((fallback) =>
    recipes.map((recipe) => ({ phase: options.phase, recipe, fallback }))
  );
}

/**
 * A candidate as numbers: one-hot per recipe dimension (in `space` order), one bit per unit left
 * in FP32, and the share of units left in FP32.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeCandidate } from "./candidates.ts";
 * import type { RecipeSpace } from "./recipes.ts";
 * const space: RecipeSpace = { calibration: ["minmax", "entropy"], perChannel: [true, false], activationSymmetric: [] };
 * const units = [{ label: "a", nodes: ["a"] }, { label: "b", nodes: ["b"] }];
 * const x = encodeCandidate({ phase: "p", recipe: { calibration: "entropy", perChannel: true }, fallback: [units[1]] }, space, units);
 * assert.deepEqual(x, [0, 1, 1, 0, 0, 1, 0.5]);
 * ```
 */
export function encodeCandidate(
  candidate: Candidate,
  space: RecipeSpace,
  units: readonly FallbackGroup[],
): number[] {
  const x: number[] = [];
  for (const [name, values] of Object.entries(space)) {
    for (const v of values) x.push(candidate.recipe[name] === v ? 1 : 0);
  }
  const labels = new Set((candidate.fallback ?? []).map((g) => g.label));
  for (const u of units) x.push(labels.has(u.label) ? 1 : 0);
  x.push(units.length === 0 ? 0 : labels.size / units.length);
  return x;
}
