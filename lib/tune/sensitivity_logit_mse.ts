/**
 * Sensitivity measure `logit-mse`: the mean squared error of the model's first output (the
 * logits) against FP32 on the sensitivity batches, with only the group quantized.
 *
 * @module
 */

import { registerSensitivityMeasure, type SensitivityMeasure } from "./sensitivity_measure.ts";

/** The `logit-mse` measure (the default when sensitivity batches are at hand). */
export const logitMseMeasure: SensitivityMeasure = registerSensitivityMeasure({
  name: "logit-mse",
  description: "mean squared logit error vs FP32 with only the group quantized",
  needsBatches: true,
  async score({ model, outputError }) {
    return await (await outputError()).mse(model);
  },
});
