/**
 * Recipe dimension `activationSymmetric`: symmetric activation ranges and zero points (static);
 * the ranges are re-derived from the calibration's histograms to match.
 *
 * @module
 */

import { type RecipeDimension, registerRecipeDimension } from "./recipe_dimension.ts";

/**
 * The base options' choice (default asymmetric) first, then the other.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { activationSymmetricDimension } from "./recipe_activation_symmetric.ts";
 * const target = { options: {}, ranges: { method: "minmax" as const, symmetric: false } };
 * activationSymmetricDimension.apply(true, target);
 * assert.deepEqual(target, { options: { activationSymmetric: true }, ranges: { method: "minmax", symmetric: true } });
 * ```
 */
export const activationSymmetricDimension: RecipeDimension<boolean> = registerRecipeDimension({
  name: "activationSymmetric",
  approaches: ["static"],
  values({ quant }) {
    const symmetric = quant.activationSymmetric ?? false;
    return [symmetric, !symmetric];
  },
  describe: (symmetric) => symmetric ? "symmetric act." : "asymmetric act.",
  encode: String,
  decode: (text) => text === "true",
  apply(symmetric, target) {
    target.options.activationSymmetric = symmetric;
    target.ranges.symmetric = symmetric;
  },
});
