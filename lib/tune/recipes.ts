/**
 * Recipes: the quantization settings the tuner varies besides fallbacks, one value per
 * registered recipe dimension (`recipe_dimension.ts`): the calibration method (static; ranges
 * re-derived from the stored histograms, no new calibration pass), per-channel weights, and
 * symmetric activations (static), plus any dimension registered with `registerRecipeDimension`.
 *
 * @module
 */

import type { CalibrationMethod, QuantOptions } from "../quant/mod.ts";
import { TuneOptionsError } from "./errors.ts";
import { type QuantTarget, RECIPE_DIMENSIONS, type RecipeDimension } from "./recipe_dimension.ts";
// The built-in dimensions register themselves, in this order (the tuning order).
import "./recipe_calibration.ts";
import "./recipe_per_channel.ts";
import "./recipe_activation_symmetric.ts";

/** One point of the recipe space: a value per dimension (dimensions that do not apply left out). */
export interface Recipe {
  /** Calibration method of the activation ranges (static only). */
  calibration?: CalibrationMethod;
  /** One weight scale per output channel. */
  perChannel: boolean;
  /** Symmetric activation ranges and zero points (static only). */
  activationSymmetric?: boolean;
  /** Values of registered dimensions. */
  [dimension: string]: unknown;
}

/** The values each recipe dimension may take; the first value of each is the default. */
export interface RecipeSpace {
  calibration: CalibrationMethod[];
  perChannel: boolean[];
  activationSymmetric: boolean[];
  /** Values of registered dimensions. */
  [dimension: string]: unknown[];
}

/** The dimensions a run varies: the registered ones unless given. */
function dimensionsOf(dimensions?: readonly RecipeDimension[]): readonly RecipeDimension[] {
  return dimensions ?? RECIPE_DIMENSIONS.values();
}

/**
 * The recipe space of an approach, one entry per dimension (registered ones by default).
 * Static: calibration method × per-channel × symmetric activations; dynamic: per-channel only.
 * Defaults come first: the calibration's method and the base quantization options; `overrides`
 * replace whole dimensions (their first value becomes the default).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { recipeSpace } from "./recipes.ts";
 * const s = recipeSpace("static", { calibration: "percentile" });
 * assert.deepEqual(s.calibration, ["percentile", "minmax", "entropy"]);
 * assert.deepEqual(s.perChannel, [true, false]);
 * assert.deepEqual(recipeSpace("dynamic").activationSymmetric, []);
 * assert.throws(() => recipeSpace("static", {}, { bits: [4] }), /unknown recipe dimension "bits"/);
 * ```
 */
export function recipeSpace(
  approach: "static" | "dynamic",
  defaults: { calibration?: CalibrationMethod; quant?: QuantOptions } = {},
  overrides: Partial<RecipeSpace> = {},
  dimensions?: readonly RecipeDimension[],
): RecipeSpace {
  const dims = dimensionsOf(dimensions);
  const context = { approach, calibration: defaults.calibration, quant: defaults.quant ?? {} };
  const space = {} as RecipeSpace;
  for (const dim of dims) space[dim.name] = applies(dim, approach) ? dim.values(context) : [];
  for (const [key, values] of Object.entries(overrides)) {
    if (values === undefined) continue;
    const dim = dims.find((d) => d.name === key);
    if (!dim) {
      const known = dims.map((d) => `"${d.name}"`).join(", ");
      throw new TuneOptionsError(`space: unknown recipe dimension "${key}"; use one of ${known}.`);
    }
    if (!applies(dim, approach) && Array.isArray(values) && values.length > 0) {
      throw new TuneOptionsError(
        `space.${key} applies to ${
          dim.approaches!.join(", ")
        } quantization only; drop it for approach "${approach}".`,
      );
    }
    if (!Array.isArray(values) || (applies(dim, approach) && values.length === 0)) {
      throw new TuneOptionsError(`space.${key} must be a non-empty array of values.`);
    }
    dim.check?.(values);
    space[key] = [...new Set(values)];
  }
  return space;
}

function applies(dim: RecipeDimension, approach: "static" | "dynamic"): boolean {
  return dim.approaches === undefined || dim.approaches.includes(approach);
}

/** The default recipe: the first value of each dimension. */
export function defaultRecipe(space: RecipeSpace): Recipe {
  const recipe: Record<string, unknown> = {};
  for (const [name, values] of Object.entries(space)) recipe[name] = values[0];
  return pruneRecipe(recipe as Recipe);
}

/** The dimensions with more than one value, in tuning order. */
export function recipeDimensions(space: RecipeSpace): string[] {
  return Object.keys(space).filter((name) => space[name].length > 1);
}

/**
 * A recipe in a few words, e.g. `"entropy · per-tensor · symmetric act."`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeRecipe } from "./recipes.ts";
 * assert.equal(
 *   describeRecipe({ calibration: "entropy", perChannel: false, activationSymmetric: true }),
 *   "entropy · per-tensor · symmetric act.",
 * );
 * assert.equal(describeRecipe({ perChannel: true }), "per-channel");
 * ```
 */
export function describeRecipe(recipe: Recipe, dimensions?: readonly RecipeDimension[]): string {
  return dimensionsOf(dimensions)
    .map((dim) => recipe[dim.name] === undefined ? undefined : dim.describe(recipe[dim.name]))
    .filter(Boolean).join(" · ");
}

/**
 * A stable key of a recipe: each dimension's encoded value (`-` when left out), joined by `|`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { recipeKey } from "./recipes.ts";
 * assert.equal(recipeKey({ perChannel: true }), "-|true|-");
 * assert.equal(recipeKey({ calibration: "entropy", perChannel: false }), "entropy|false|-");
 * ```
 */
export function recipeKey(recipe: Recipe, dimensions?: readonly RecipeDimension[]): string {
  return dimensionsOf(dimensions)
    .map((dim) => recipe[dim.name] === undefined ? "-" : dim.encode(recipe[dim.name]))
    .join("|");
}

/** The recipe without the dimensions left undefined. */
export function pruneRecipe(recipe: Recipe): Recipe {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(recipe)) if (value !== undefined) out[name] = value;
  return out as Recipe;
}

/**
 * Applies every value of `recipe` to a quantization config (in place) and returns it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { applyRecipe } from "./recipes.ts";
 * const target = applyRecipe({ calibration: "entropy", perChannel: false }, {
 *   options: {}, ranges: { method: "minmax", symmetric: false },
 * });
 * assert.deepEqual(target, { options: { perChannel: false }, ranges: { method: "entropy", symmetric: false } });
 * ```
 */
export function applyRecipe(
  recipe: Recipe,
  target: QuantTarget,
  dimensions?: readonly RecipeDimension[],
): QuantTarget {
  for (const dim of dimensionsOf(dimensions)) {
    const value = recipe[dim.name];
    if (value !== undefined) dim.apply(value, target);
  }
  return target;
}
