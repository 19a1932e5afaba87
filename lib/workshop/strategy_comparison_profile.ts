/**
 * How much notebook 07's strategy comparison may spend: the same trial budget for every run and,
 * when this model's trials are too slow for that budget to fit the notebook's 15 minutes, the same
 * share of wall time as well (Intel Neural Compressor's `timeout`). The stand-in's trials take under
 * a second, so the trial budget alone decides there; a DistilBERT-base trial takes ~5 s on 2 cores
 * (quantize 1.7 s, score 128 pairs 2.9 s), and eight strategies × 30 trials would take 20 minutes.
 *
 * @module
 */

/** Budgets of the comparison's runs (sections 2, 4 and 5 of notebook 07). */
export interface StrategyComparisonProfile {
  /** Trials every run may spend (the same for every strategy and seed). */
  maxTrials: number;
  /** Seeds of the bayesian-vs-random section. */
  seeds: number[];
  /** Trials of the Pareto run (each also timed for latency). */
  paretoTrials: number;
  /**
   * Wall-time share of each run in seconds, counted from its start, when `maxTrials` trials of
   * every run would not fit `targetSeconds`; undefined: trials alone limit the runs.
   */
  runSeconds?: number;
  /** Wall-time share of the Pareto run (two runs' shares), when `runSeconds` is set. */
  paretoSeconds?: number;
  /** The longest the runs may take together, in seconds, under this profile. */
  worstSeconds: number;
}

/** Options of {@link strategyComparisonProfile}. */
export interface StrategyComparisonProfileOptions {
  /** The short profile CI runs (`WORKSHOP_QUICK=1`). */
  quick: boolean;
  /** How many strategies section 2 compares. */
  strategies: number;
  /** Seconds one trial took on this model and machine (quantize and evaluate). */
  trialSeconds: number;
  /** What the runs may take together (default {@link COMPARISON_TARGET_SECONDS}). */
  targetSeconds?: number;
}

/** Default of {@link StrategyComparisonProfileOptions.targetSeconds}: 15 minutes less setup. */
export const COMPARISON_TARGET_SECONDS = 690;

/** The Pareto run counts as this many runs: each of its trials is timed for latency too. */
const PARETO_RUNS = 2;

/**
 * The budgets of a comparison of `strategies` strategies whose trials take `trialSeconds`: quick,
 * 10 trials and one seed; full, 30 trials and seeds 0–4 while every run spending all its trials
 * fits `targetSeconds`, else seeds 0–2 and an equal time share per run. A run may overrun its
 * share by the trial it started before the deadline (two for the Pareto run), which the share
 * leaves room for. A share is never below three trials' worth: with trials slower than ~9 s,
 * `worstSeconds` exceeds the target and says by how much.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { strategyComparisonProfile } from "./strategy_comparison_profile.ts";
 * const standin = strategyComparisonProfile({ quick: false, strategies: 8, trialSeconds: 0.7 });
 * assert.deepEqual([standin.maxTrials, standin.seeds.length, standin.runSeconds], [30, 5, undefined]);
 * const base = strategyComparisonProfile({ quick: false, strategies: 8, trialSeconds: 5 });
 * assert.deepEqual([base.maxTrials, base.seeds.length, Math.round(base.runSeconds!)], [30, 3, 39]);
 * assert.ok(base.worstSeconds <= 690);
 * ```
 */
export function strategyComparisonProfile(
  options: StrategyComparisonProfileOptions,
): StrategyComparisonProfile {
  const { quick, strategies, trialSeconds } = options;
  const target = options.targetSeconds ?? COMPARISON_TARGET_SECONDS;
  if (!(strategies >= 1) || !(trialSeconds > 0) || !(target > 0)) {
    throw new RangeError(
      `strategyComparisonProfile needs strategies ≥ 1, trialSeconds > 0 and targetSeconds > 0 ` +
        `(got ${strategies}, ${trialSeconds}, ${target}).`,
    );
  }
  const maxTrials = quick ? 10 : 30;
  const paretoTrials = quick ? 4 : 16;
  const runs = (seeds: number) => strategies + 2 * (seeds - 1) + PARETO_RUNS;
  const untimed = (seeds: number) =>
    (strategies + 2 * (seeds - 1)) * (maxTrials + 1) * trialSeconds +
    PARETO_RUNS * (paretoTrials + 1) * trialSeconds;
  const seeds = quick ? 1 : 5;
  if (quick || untimed(seeds) <= target) {
    return { maxTrials, seeds: range(seeds), paretoTrials, worstSeconds: untimed(seeds) };
  }
  const fewer = 3;
  const share = Math.max(3 * trialSeconds, target / runs(fewer) - 2 * trialSeconds);
  return {
    maxTrials,
    seeds: range(fewer),
    paretoTrials,
    runSeconds: share,
    paretoSeconds: PARETO_RUNS * share,
    worstSeconds: runs(fewer) * (share + 2 * trialSeconds),
  };
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
