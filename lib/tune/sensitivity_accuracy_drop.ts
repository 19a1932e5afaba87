/**
 * Sensitivity measure `accuracy-drop`: FP32 accuracy minus the accuracy with only the group
 * quantized, plus 0.001 × disagreement with FP32 to break ties; needs no batches (it runs the
 * evaluation function), so it is the default when none are at hand.
 *
 * @module
 */

import { registerSensitivityMeasure, type SensitivityMeasure } from "./sensitivity_measure.ts";

/** The `accuracy-drop` measure. */
export const accuracyDropMeasure: SensitivityMeasure = registerSensitivityMeasure({
  name: "accuracy-drop",
  description: "FP32 accuracy minus the accuracy with only the group quantized",
  async score({ model, group, baseline, evaluate }) {
    const m = await evaluate(model, `sensitivity of ${group.label}`);
    return baseline.accuracy - m.accuracy + 0.001 * (1 - (m.agreement ?? 1));
  },
});
