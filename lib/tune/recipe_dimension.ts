/**
 * A recipe dimension: one quantization setting the tuner varies besides fallbacks, as one object
 * — its name, the values it takes in a run, how a value is written and read back, and how it is
 * applied to the quantization config. The tuner's recipe space, default recipe, recipe keys and
 * descriptions, the `basic` strategy's recipe phase and the `random` strategy's draws all follow
 * the registry, so adding a dimension is one file plus {@link registerRecipeDimension}.
 *
 * @module
 */

import type { CalibrationMethod, QuantOptions, StaticQuantOptions } from "../quant/mod.ts";
import { Registry } from "./registry.ts";

/** What a dimension's values may depend on. */
export interface RecipeDimensionContext {
  approach: "static" | "dynamic";
  /** The calibration's method (static). */
  calibration?: CalibrationMethod;
  /** The base quantization options of the run. */
  quant: QuantOptions;
}

/** What a recipe value changes: the quantizer's options and how activation ranges are derived. */
export interface QuantTarget {
  /** The options given to `quantizeStatic` / `quantizeDynamic` (no registry). */
  options: Omit<StaticQuantOptions, "registry">;
  /** Static: how ranges are re-derived from the calibration's histograms (`recalibrate`). */
  ranges: { method: CalibrationMethod; symmetric: boolean };
}

/** One dimension of the recipe space. */
export interface RecipeDimension<V = unknown> {
  /** The key in recipes and in `tune({ space })`. */
  readonly name: string;
  /** Approaches it applies to (default both); others get no values and reject overrides. */
  readonly approaches?: readonly ("static" | "dynamic")[];
  /** The values to try in a run, the default first. */
  values(context: RecipeDimensionContext): V[];
  /** Throws a `TuneOptionsError` naming `space.<name>` when given values are not valid. */
  check?(values: readonly unknown[]): void;
  /** A few words for a value (tables, messages); undefined for nothing. */
  describe(value: V): string | undefined;
  /** A stable text of a value (recipe keys, configs). */
  encode(value: V): string;
  /** The value of a text written by `encode`. */
  decode(text: string): V;
  /** Applies a value to the quantization config (in place). */
  apply(value: V, target: QuantTarget): void;
}

/** The recipe dimensions `tune` varies, in tuning and description order. */
export const RECIPE_DIMENSIONS: Registry<RecipeDimension> = new Registry<RecipeDimension>(
  "recipe dimension",
  [],
  { hint: "(or register one with registerRecipeDimension)" },
);

/**
 * Registers a recipe dimension: every later `tune` call varies it (after the dimensions
 * registered before it). Throws when the name is taken.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RECIPE_DIMENSIONS } from "./mod.ts";
 * assert.deepEqual(RECIPE_DIMENSIONS.names(), ["calibration", "perChannel", "activationSymmetric"]);
 * assert.equal(RECIPE_DIMENSIONS.get("perChannel").describe(false), "per-tensor");
 * ```
 */
export function registerRecipeDimension<V>(dimension: RecipeDimension<V>): RecipeDimension<V> {
  RECIPE_DIMENSIONS.register(dimension as RecipeDimension);
  return dimension;
}
