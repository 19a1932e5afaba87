import { ExerciseCheck } from "./exercise_check.ts";

/** Exercise 06.1: the QAT learning rate. */
export const QAT_LEARNING_RATE_EXERCISE = "A QAT learning rate that nudges, not jumps";

/** Options of {@link checkQatLearningRate}. */
export interface QatLearningRateOptions {
  learningRate: number;
  /** The int8 weight steps (per-channel scales) of the model's weights. */
  weightScales: ArrayLike<number>;
  /** Largest allowed `learningRate / median step` (default 0.1). */
  threshold?: number;
}

/**
 * Checks a QAT learning rate against the int8 weight grid: Adam moves every weight by about
 * `learningRate` per update, whatever its gradient, so the rate must be a small fraction of one
 * quantization step for QAT to nudge weights across rounding boundaries one at a time; a rate
 * ten times too high moves them by whole steps every few updates and undoes the fine-tuned model.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkQatLearningRate } from "./qat_learning_rate.ts";
 * const weightScales = [4e-4, 5e-4, 6e-4];
 * assert.equal(checkQatLearningRate({ learningRate: 2e-4, weightScales }).passed, false);
 * assert.equal(checkQatLearningRate({ learningRate: 2e-5, weightScales }).passed, true);
 * ```
 */
export function checkQatLearningRate(options: QatLearningRateOptions): ExerciseCheck {
  const threshold = options.threshold ?? 0.1;
  const sorted = Array.from(options.weightScales).sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  const ratio = options.learningRate / median;
  return new ExerciseCheck(
    QAT_LEARNING_RATE_EXERCISE,
    ratio <= threshold,
    `learning rate ${options.learningRate.toExponential(1)} is ${(100 * ratio).toFixed(1)}% ` +
      `of the median int8 weight step ${median.toExponential(2)} (${sorted.length} channels).`,
    "QAT fine-tunes a trained model: use the fine-tuning rate (about 2e-5 for DistilBERT), a " +
      "few percent of a weight step, not ten times more.",
  );
}
