/**
 * Recipe dimension `calibration`: the calibration method of the activation ranges (static),
 * re-derived from the stored histograms — no new calibration pass.
 *
 * @module
 */

import type { CalibrationMethod } from "../quant/mod.ts";
import { TuneOptionsError } from "./errors.ts";
import { type RecipeDimension, registerRecipeDimension } from "./recipe_dimension.ts";

const METHODS: CalibrationMethod[] = ["minmax", "percentile", "entropy"];

/**
 * The calibration's method first, then the others.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { calibrationDimension } from "./recipe_calibration.ts";
 * const values = calibrationDimension.values({ approach: "static", calibration: "entropy", quant: {} });
 * assert.deepEqual(values, ["entropy", "minmax", "percentile"]);
 * const target = { options: {}, ranges: { method: "minmax" as const, symmetric: false } };
 * calibrationDimension.apply("percentile", target);
 * assert.equal(target.ranges.method, "percentile");
 * ```
 */
export const calibrationDimension: RecipeDimension<CalibrationMethod> = registerRecipeDimension({
  name: "calibration",
  approaches: ["static"],
  values({ calibration }) {
    const method = calibration ?? "minmax";
    return [method, ...METHODS.filter((m) => m !== method)];
  },
  check(values) {
    if (values.some((m) => !METHODS.includes(m as CalibrationMethod))) {
      throw new TuneOptionsError(
        `space.calibration ${JSON.stringify(values)}: use "minmax", "percentile" or "entropy".`,
      );
    }
  },
  describe: (method) => method,
  encode: (method) => method,
  decode: (text) => text as CalibrationMethod,
  apply(method, target) {
    target.ranges.method = method;
  },
});
