/**
 * When to prune, and how much: one-shot (everything at one update), or gradual — the cubic
 * sparsity ramp of Zhu & Gupta (2017), as Intel Neural Compressor uses it, with training between
 * the pruning steps:
 *
 *   s_t = s_f + (s_i − s_f) · (1 − (t − t0) / (n·Δt))³   for t = t0, t0 + Δt, …, t0 + n·Δt
 *
 * (s_i the initial and s_f the final sparsity, t0 the first pruning update, Δt the updates
 * between pruning steps, n the number of steps after the first). Sparsity rises fast while the
 * network has many redundant weights and slowly near the target.
 *
 * @module
 */
import { PruneOptionsError } from "./errors.ts";

/** Prune to the final sparsity at one update. */
export interface OneshotSchedule {
  kind: "oneshot";
  /** The update (0-based) at which to prune; default the criterion's `scoringSteps`. */
  step?: number;
}

/** The cubic ramp (see the module doc). */
export interface GradualSchedule {
  kind: "gradual";
  /** t0: first pruning update (default 0). */
  startStep?: number;
  /** Δt: updates between pruning steps (≥ 1). */
  every: number;
  /** n: pruning steps after the first (≥ 1); the target is reached at t0 + n·Δt. */
  steps: number;
  /** s_i (default 0). */
  initialSparsity?: number;
}

/** A pruning schedule. */
export type PruneSchedule = OneshotSchedule | GradualSchedule;

/**
 * s_t of the cubic ramp at progress `p = (t − t0)/(n·Δt)` ∈ [0, 1].
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cubicSparsity } from "./schedule.ts";
 * assert.equal(cubicSparsity({ initial: 0, final: 0.8, progress: 0 }), 0);
 * assert.equal(cubicSparsity({ initial: 0, final: 0.8, progress: 0.5 }), 0.8 - 0.8 * 0.125);
 * assert.equal(cubicSparsity({ initial: 0, final: 0.8, progress: 1 }), 0.8);
 * ```
 */
export function cubicSparsity(
  { initial, final, progress }: { initial: number; final: number; progress: number },
): number {
  const p = Math.min(1, Math.max(0, progress));
  return final + (initial - final) * (1 - p) ** 3;
}

/**
 * The updates at which `schedule` prunes, and the ramp's progress at each (1 at the last).
 * `oneshotStep` is the default step of a one-shot schedule.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pruneEvents } from "./schedule.ts";
 * assert.deepEqual(pruneEvents({ kind: "oneshot" }, 3), new Map([[3, 1]]));
 * assert.deepEqual(pruneEvents({ kind: "gradual", startStep: 2, every: 3, steps: 2 }), new Map([[2, 0], [5, 0.5], [8, 1]]));
 * ```
 */
export function pruneEvents(schedule: PruneSchedule, oneshotStep = 0): Map<number, number> {
  if (schedule.kind === "oneshot") return new Map([[schedule.step ?? oneshotStep, 1]]);
  const t0 = schedule.startStep ?? 0;
  const out = new Map<number, number>();
  for (let k = 0; k <= schedule.steps; k++) out.set(t0 + k * schedule.every, k / schedule.steps);
  return out;
}

/**
 * The sparsity a unit with final sparsity `final` has after the pruning step of progress
 * `progress` (one-shot: `final`).
 */
export function scheduledSparsity(
  schedule: PruneSchedule,
  final: number,
  progress: number,
): number {
  if (schedule.kind === "oneshot") return final;
  const initial = Math.min(schedule.initialSparsity ?? 0, final);
  return cubicSparsity({ initial, final, progress });
}

/**
 * Checks a schedule's fields; throws {@link PruneOptionsError} naming the field and the fix.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkSchedule } from "./schedule.ts";
 * checkSchedule({ kind: "gradual", every: 2, steps: 4 });
 * assert.throws(() => checkSchedule({ kind: "gradual", every: 0, steps: 4 }), /every/);
 * ```
 */
export function checkSchedule(schedule: PruneSchedule): void {
  const whole = (value: number | undefined, field: string, min: number) => {
    if (value !== undefined && !(Number.isInteger(value) && value >= min)) {
      throw new PruneOptionsError(
        `schedule.${field} is ${value}; it must be an integer ≥ ${min} (updates).`,
      );
    }
  };
  if (schedule.kind === "oneshot") return whole(schedule.step, "step", 0);
  if (schedule.kind !== "gradual") {
    throw new PruneOptionsError(
      `schedule.kind ${JSON.stringify((schedule as { kind: unknown }).kind)} is unknown; use ` +
        `"oneshot" or "gradual".`,
    );
  }
  whole(schedule.startStep, "startStep", 0);
  whole(schedule.every, "every", 1);
  whole(schedule.steps, "steps", 1);
  const s = schedule.initialSparsity ?? 0;
  if (!(s >= 0 && s < 1)) {
    throw new PruneOptionsError(
      `schedule.initialSparsity ${s} is outside [0, 1); give a fraction, e.g. 0.`,
    );
  }
}
