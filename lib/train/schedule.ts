/**
 * Learning-rate schedules, as functions of the number of updates already applied.
 *
 * @module
 */

/** A learning rate for update `step` (0 for the first update). */
export type LearningRateSchedule = (step: number) => number;

/** Options of {@link linearWarmupDecay}. */
export interface LinearScheduleOptions {
  /** The rate reached at the end of the warm-up. */
  peak: number;
  /** Updates of linear warm-up from 0 to `peak`. */
  warmupSteps: number;
  /** Updates in the whole run; the rate reaches 0 there. */
  totalSteps: number;
}

/**
 * Linear warm-up then linear decay to 0, as Hugging Face's `get_linear_schedule_with_warmup`:
 * `peak · step / warmup` during the warm-up, then `peak · (total − step) / (total − warmup)`.
 * As there, the first update (step 0) has rate 0 when there is a warm-up.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { linearWarmupDecay } from "./schedule.ts";
 * const lr = linearWarmupDecay({ peak: 1e-3, warmupSteps: 10, totalSteps: 110 });
 * assert.equal(lr(0), 0);
 * assert.equal(lr(5), 5e-4);
 * assert.equal(lr(10), 1e-3);
 * assert.equal(lr(60), 5e-4);
 * assert.equal(lr(110), 0);
 * ```
 */
export function linearWarmupDecay(options: LinearScheduleOptions): LearningRateSchedule {
  const { peak, warmupSteps, totalSteps } = options;
  if (!(peak >= 0) || !Number.isInteger(warmupSteps) || warmupSteps < 0) {
    throw new RangeError(
      `peak ${peak} must be ≥ 0 and warmupSteps ${warmupSteps} a non-negative integer.`,
    );
  }
  if (!Number.isInteger(totalSteps) || totalSteps < 1) {
    throw new RangeError(`totalSteps ${totalSteps} must be a positive integer.`);
  }
  return (step) => {
    if (step < warmupSteps) return (peak * step) / Math.max(1, warmupSteps);
    return peak * Math.max(0, (totalSteps - step) / Math.max(1, totalSteps - warmupSteps));
  };
}
