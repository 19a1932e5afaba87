import { ExerciseCheck } from "./exercise_check.ts";

/** Exercise 03.1: the distillation temperature. */
export const DISTILLATION_TEMPERATURE_EXERCISE = "Soften the teacher's labels (temperature)";

/** Options of {@link checkDistillationTemperature}. */
export interface DistillationTemperatureOptions {
  /** The teacher's logits, row-major `[rows, numLabels]`. */
  teacherLogits: ArrayLike<number>;
  numLabels: number;
  temperature: number;
  /**
   * Share of the way from T = 1 to logit matching (T → ∞) that the margin pull must cover
   * (default 0.25; see {@link marginPull}).
   */
  minGapClosed?: number;
}

/**
 * How strongly the distillation loss `T²·KL(softmax(z_t/T) ‖ softmax(z_s/T))` pulls a student
 * toward the teacher's logit _differences_ (its information beyond the argmax), as a share of the
 * pull in the logit-matching limit T → ∞ (Hinton et al.), averaged over the rows: at the match
 * the loss's curvature in the student's logits is the softmax Jacobian `diag(p) − ppᵀ` of the
 * soft label `p`, whose trace `1 − Σpᵢ²` tends to `1 − 1/K`. A saturated (near one-hot) soft label
 * gives 0: the student learns the argmax and nothing of how sure the teacher was; 1 is pure logit
 * matching. It rises with T for any teacher.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { marginPull } from "./distillation_temperature.ts";
 * assert.equal(marginPull({ teacherLogits: [0, 0], numLabels: 2, temperature: 1 }), 1);
 * assert.ok(marginPull({ teacherLogits: [8, 0], numLabels: 2, temperature: 1 }) < 0.002);
 * ```
 */
export function marginPull(
  options: { teacherLogits: ArrayLike<number>; numLabels: number; temperature: number },
): number {
  const { teacherLogits, numLabels, temperature } = options;
  const rows = Math.floor(teacherLogits.length / numLabels);
  let sum = 0;
  for (let r = 0; r < rows; r++) {
    const z = Array.from(
      { length: numLabels },
      (_, j) => teacherLogits[r * numLabels + j] / temperature,
    );
    const top = Math.max(...z);
    const e = z.map((v) => Math.exp(v - top));
    const total = e.reduce((a, b) => a + b, 0);
    const purity = e.reduce((a, v) => a + (v / total) ** 2, 0);
    sum += (1 - purity) / (1 - 1 / numLabels);
  }
  return rows > 0 ? sum / rows : 0;
}

/**
 * Checks that the soft labels `softmax(logits / T)` pass on the teacher's "dark knowledge" better
 * than at `T = 1`: the {@link marginPull} at T must close at least `minGapClosed` (default a
 * quarter) of the gap between its value at T = 1 and logit matching. The bar is relative to the
 * same teacher at T = 1, so it holds for a confident teacher (near one-hot labels at T = 1) and
 * an unsure one alike, and T = 1 itself is never "fixed". Roughly: T must bring the typical
 * margin of a confident teacher down to about 2.6 in the soft labels' log-odds.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkDistillationTemperature } from "./distillation_temperature.ts";
 * for (const teacherLogits of [[3, -3, -2.5, 2.5, 4, -2], [0.4, -0.5, -0.2, 0.6]]) {
 *   const at = (temperature: number) =>
 *     checkDistillationTemperature({ teacherLogits, numLabels: 2, temperature }).passed;
 *   assert.deepEqual([at(1), at(4)], [false, true]);
 * }
 * ```
 */
export function checkDistillationTemperature(
  options: DistillationTemperatureOptions,
): ExerciseCheck {
  const { teacherLogits, numLabels, temperature } = options;
  const minGapClosed = options.minGapClosed ?? 0.25;
  const rows = Math.floor(teacherLogits.length / numLabels);
  const atT = marginPull(options);
  const atOne = marginPull({ teacherLogits, numLabels, temperature: 1 });
  const gap = 1 - atOne;
  // A teacher whose logits are all equal has no margins to pass on: only T > 1 "softens" it.
  const closed = gap > 1e-12 ? (atT - atOne) / gap : (temperature > 1 ? 1 : 0);
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  return new ExerciseCheck(
    DISTILLATION_TEMPERATURE_EXERCISE,
    rows > 0 && closed >= minGapClosed,
    `T = ${temperature}: on ${rows} pairs the soft labels pull the student toward the ` +
      `teacher's margins with ${pct(atT)} of the logit-matching strength (T = 1: ` +
      `${pct(atOne)}), closing ${pct(Math.max(0, closed))} of the gap from T = 1 ` +
      `(needs ${pct(minGapClosed)}).`,
    "at T = 1 the soft labels are the teacher's own softmax, as sharp as it is sure: raise T " +
      "(2–8; a very confident teacher needs the higher end; Hinton et al. use up to 20) so " +
      "the student also sees how close each pair was to the other class, and keep the T² factor.",
  );
}
