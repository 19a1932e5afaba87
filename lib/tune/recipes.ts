/**
 * Recipes: the quantization settings the tuner varies besides fallbacks — the calibration
 * method (static; ranges re-derived from the stored histograms, no new calibration pass),
 * per-channel weights, and symmetric activations (static).
 *
 * @module
 */

import type { CalibrationMethod, QuantOptions } from "../quant/mod.ts";
import { TuneOptionsError } from "./errors.ts";

/** One point of the recipe space. */
export interface Recipe {
  /** Calibration method of the activation ranges (static only). */
  calibration?: CalibrationMethod;
  /** One weight scale per output channel. */
  perChannel: boolean;
  /** Symmetric activation ranges and zero points (static only). */
  activationSymmetric?: boolean;
}

/** The values each recipe dimension may take; the first value of each is the default. */
export interface RecipeSpace {
  calibration: CalibrationMethod[];
  perChannel: boolean[];
  activationSymmetric: boolean[];
}

/** A dimension of the space. */
export type RecipeDimension = keyof RecipeSpace;

const METHODS: CalibrationMethod[] = ["minmax", "percentile", "entropy"];

/**
 * The recipe space of an approach. Static: calibration method × per-channel × symmetric
 * activations; dynamic: per-channel only. Defaults come first: the calibration's method and the
 * base quantization options; `overrides` replace whole dimensions (their first value becomes
 * the default).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { recipeSpace } from "./recipes.ts";
 * const s = recipeSpace("static", { calibration: "percentile" });
 * assert.deepEqual(s.calibration, ["percentile", "minmax", "entropy"]);
 * assert.deepEqual(s.perChannel, [true, false]);
 * assert.deepEqual(recipeSpace("dynamic").activationSymmetric, []);
 * ```
 */
export function recipeSpace(
  approach: "static" | "dynamic",
  defaults: { calibration?: CalibrationMethod; quant?: QuantOptions } = {},
  overrides: Partial<RecipeSpace> = {},
): RecipeSpace {
  const method = defaults.calibration ?? "minmax";
  const perChannel = defaults.quant?.perChannel ?? true;
  const symmetric = defaults.quant?.activationSymmetric ?? false;
  const space: RecipeSpace = {
    calibration: approach === "static" ? [method, ...METHODS.filter((m) => m !== method)] : [],
    perChannel: [perChannel, !perChannel],
    activationSymmetric: approach === "static" ? [symmetric, !symmetric] : [],
  };
  for (const [key, values] of Object.entries(overrides) as [RecipeDimension, unknown[]][]) {
    if (values === undefined) continue;
    if (approach === "dynamic" && key !== "perChannel" && values.length > 0) {
      throw new TuneOptionsError(
        `space.${key} applies to static quantization only; drop it for approach "dynamic".`,
      );
    }
    if (!Array.isArray(values) || (key === "perChannel" && values.length === 0)) {
      throw new TuneOptionsError(`space.${key} must be a non-empty array of values.`);
    }
    if (key === "calibration" && values.some((m) => !METHODS.includes(m as CalibrationMethod))) {
      throw new TuneOptionsError(
        `space.calibration ${JSON.stringify(values)}: use "minmax", "percentile" or "entropy".`,
      );
    }
    (space[key] as unknown[]) = [...new Set(values)];
  }
  if (
    approach === "static" &&
    (space.calibration.length === 0 || space.activationSymmetric.length === 0)
  ) {
    throw new TuneOptionsError(
      "space.calibration and space.activationSymmetric need a value for static tuning.",
    );
  }
  return space;
}

/** The default recipe: the first value of each dimension. */
export function defaultRecipe(space: RecipeSpace): Recipe {
  return pruneRecipe({
    calibration: space.calibration[0],
    perChannel: space.perChannel[0],
    activationSymmetric: space.activationSymmetric[0],
  });
}

/** The dimensions with more than one value, in tuning order. */
export function recipeDimensions(space: RecipeSpace): RecipeDimension[] {
  return (["calibration", "perChannel", "activationSymmetric"] as const).filter((k) =>
    space[k].length > 1
  );
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
export function describeRecipe(recipe: Recipe): string {
  return [
    recipe.calibration,
    recipe.perChannel ? "per-channel" : "per-tensor",
    recipe.activationSymmetric === undefined
      ? undefined
      : recipe.activationSymmetric
      ? "symmetric act."
      : "asymmetric act.",
  ].filter(Boolean).join(" · ");
}

/** A stable key of a recipe. */
export function recipeKey(recipe: Recipe): string {
  return `${recipe.calibration ?? "-"}|${recipe.perChannel}|${recipe.activationSymmetric ?? "-"}`;
}

/** The recipe without the dimensions left undefined. */
export function pruneRecipe(recipe: Recipe): Recipe {
  const out: Recipe = { perChannel: recipe.perChannel };
  if (recipe.calibration !== undefined) out.calibration = recipe.calibration;
  if (recipe.activationSymmetric !== undefined) {
    out.activationSymmetric = recipe.activationSymmetric;
  }
  return out;
}
