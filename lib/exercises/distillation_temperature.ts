import { ExerciseCheck } from "./exercise_check.ts";

/** Exercise 03.1: the distillation temperature. */
export const DISTILLATION_TEMPERATURE_EXERCISE = "Soften the teacher's labels (temperature)";

/** Options of {@link checkDistillationTemperature}. */
export interface DistillationTemperatureOptions {
  /** The teacher's logits, row-major `[rows, numLabels]`. */
  teacherLogits: ArrayLike<number>;
  numLabels: number;
  temperature: number;
  /** Share of rows whose runner-up class must get ≥ 10% at this T (default 0.5). */
  threshold?: number;
}

/**
 * Checks that the soft labels `softmax(logits / T)` carry the teacher's "dark knowledge": at
 * `T = 1` a confident teacher gives near one-hot labels, no more informative than the hard ones;
 * a higher T lets the runner-up class through. Passes when at least `threshold` of the rows give
 * their runner-up class ≥ 10%.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkDistillationTemperature } from "./distillation_temperature.ts";
 * const teacherLogits = [3, -3, -2.5, 2.5, 4, -2]; // confident: margins 5–6
 * assert.equal(checkDistillationTemperature({ teacherLogits, numLabels: 2, temperature: 1 }).passed, false);
 * assert.equal(checkDistillationTemperature({ teacherLogits, numLabels: 2, temperature: 4 }).passed, true);
 * ```
 */
export function checkDistillationTemperature(
  options: DistillationTemperatureOptions,
): ExerciseCheck {
  const { teacherLogits, numLabels, temperature } = options;
  const threshold = options.threshold ?? 0.5;
  const rows = Math.floor(teacherLogits.length / numLabels);
  let informative = 0;
  let runnerUpSum = 0;
  for (let r = 0; r < rows; r++) {
    const z = Array.from(
      { length: numLabels },
      (_, j) => teacherLogits[r * numLabels + j] / temperature,
    );
    const top = Math.max(...z);
    const e = z.map((v) => Math.exp(v - top));
    const sum = e.reduce((a, b) => a + b, 0);
    const p = e.map((v) => v / sum).sort((a, b) => b - a);
    runnerUpSum += p[1];
    if (p[1] >= 0.1) informative++;
  }
  const share = rows > 0 ? informative / rows : 0;
  return new ExerciseCheck(
    DISTILLATION_TEMPERATURE_EXERCISE,
    share >= threshold,
    `T = ${temperature}: the runner-up class gets ≥ 10% in ${(100 * share).toFixed(1)}% of ` +
      `${rows} pairs (mean runner-up probability ${(runnerUpSum / Math.max(1, rows)).toFixed(3)}).`,
    "at T = 1 a confident teacher's soft labels are almost one-hot: raise T (2–8; Hinton et al. " +
      "use up to 20) so the student sees how similar the classes are, and keep the T² factor.",
  );
}
