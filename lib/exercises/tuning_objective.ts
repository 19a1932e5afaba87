import { ExerciseCheck } from "./exercise_check.ts";
import { continuesAfterMet, type TrialMeasures, type TuneObjective } from "../tune/mod.ts";

/** Exercise 07.3: the fastest passing configuration, not the first. */
export const TUNING_OBJECTIVE_EXERCISE = "Deploy the fastest passing configuration, not the first";

/** Options of {@link checkFastestPassing}. */
export interface FastestPassingOptions {
  /** The objective given to `tune`. */
  objective: TuneObjective;
  /** Trials of a run that spent its whole budget, with latencies (e.g. a `"pareto"` run's history). */
  history: readonly TrialMeasures[];
}

/**
 * Checks that a tuning objective returns the fastest configuration that meets the criterion.
 * The default objective, `"accuracy"`, stops at the first passing trial (as Intel Neural
 * Compressor does), so the budget left is never spent on a faster one; `"size"` keeps searching
 * but ranks passing trials by bytes. `"latency"` and `"pareto"` rank them by measured latency.
 * The message compares, on `history`, the trial the objective delivers with the fastest passing one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkFastestPassing } from "./tuning_objective.ts";
 * const t = (index: number, met: boolean, latencyMs: number) =>
 *   ({ index, phase: "random", accuracy: 0.8, metrics: {}, latencyMs, sizeBytes: 1e6, seconds: 1, met });
 * const history = [t(0, false, 3), t(1, true, 5), t(2, true, 4)];
 * assert.equal(checkFastestPassing({ objective: "accuracy", history }).passed, false);
 * assert.equal(checkFastestPassing({ objective: "latency", history }).passed, true);
 * ```
 */
export function checkFastestPassing(options: FastestPassingOptions): ExerciseCheck {
  const { objective } = options;
  const passing = options.history.filter((t) => t.met && t.latencyMs !== undefined);
  const byLatency = (a: TrialMeasures, b: TrialMeasures) => a.latencyMs! - b.latencyMs!;
  const fastest = [...passing].sort(byLatency)[0];
  const first = [...passing].sort((a, b) => a.index - b.index)[0];
  const delivered = !continuesAfterMet(objective)
    ? first
    : objective === "size"
    ? [...passing].sort((a, b) => a.sizeBytes - b.sizeBytes || byLatency(a, b))[0]
    : fastest;
  const ms = (t: TrialMeasures) => `trial ${t.index} (${t.latencyMs!.toFixed(2)} ms)`;
  const seen = passing.length === 0
    ? `none of the ${options.history.length} trials shown met the criterion.`
    : `of ${options.history.length} trials, ${passing.length} met the criterion; ` +
      `"${objective}" delivers ${ms(delivered)}, the fastest passing is ${ms(fastest)}` +
      (first === fastest
        ? " — also the first to pass on this run, by luck, not by the objective."
        : `, the first ${ms(first)}.`);
  return new ExerciseCheck(
    TUNING_OBJECTIVE_EXERCISE,
    continuesAfterMet(objective) && objective !== "size",
    `objective "${objective}" ${
      continuesAfterMet(objective) ? "spends the whole budget" : "stops at the first passing trial"
    }: ${seen}`,
    'the default objective "accuracy" stops at the first trial that passes; objective: ' +
      '"latency" (or "pareto") spends the whole budget and returns the fastest passing trial ' +
      '("size" returns the smallest).',
  );
}
