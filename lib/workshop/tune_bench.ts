/**
 * The `tune` suite of `deno task bench`: the tuning strategies compared on the outlier twin of the
 * run's model (`WORKSHOP_TWIN`, 128 validation pairs, 1% criterion) — trials to success of
 * `bayesian`, `random` and `basic` per seed and their medians (target: bayesian needs at most half
 * of random's), and whether `basic` and `bayesian` meet the criterion.
 *
 * Measured on the mini stand-in's twin (`deno task bench --only tune --model
 * standin/distilbert-mini-uncased-mrpc`, budget 30, seeds 0–4, 21 min on 2 shared cores):
 * bayesian 4, 4, 4, 4, 4 trials (the five outlier readers in FP32, agreement 1); random 31, 30, 31,
 * 31, 31 (its draws give back at most three blocks or ops, and no recipe repairs this twin); basic
 * 8 (recipes, then blocks by sensitivity, then ops); bayesian / random 4 / 31 = 0.13.
 *
 * @module
 */
import type { BenchSuite, Measurement } from "../bench/mod.ts";
import type { HubSettings } from "../hub/mod.ts";
import type { ProgressOption } from "../progress/mod.ts";
import {
  compareStrategies,
  medianTrialsToSuccess,
  type StrategyRun,
  twinTuningSetup,
} from "./strategy_comparison.ts";

/** Options of {@link tuneBenchSuite}. */
export interface TuneBenchOptions {
  settings?: HubSettings;
  progress?: ProgressOption;
}

/** Strategies the suite runs once per seed (`basic` draws nothing at random: one run is every seed's). */
const SEEDED = ["bayesian", "random"] as const;

/**
 * The `tune` bench suite (seeds 0–4 and 30 trials; 0–2 and 15 under `--quick`). For each strategy
 * and seed it reports the trials to the first configuration that meets the criterion — a run that
 * does not meet it within the budget of B trials counts B + 1 — then each strategy's median over the
 * seeds, and the bayesian / random ratio of the medians (target ≤ 0.5).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tuneBenchSuite } from "./tune_bench.ts";
 * assert.equal(tuneBenchSuite().name, "tune");
 * ```
 */
export function tuneBenchSuite(options: TuneBenchOptions = {}): BenchSuite {
  return {
    name: "tune",
    description: "tuning strategies on the outlier twin: trials to success per seed (a run " +
      "that never meets the criterion counts budget + 1), medians, bayesian / random",
    needsModel: true,
    async run(context) {
      const setup = await twinTuningSetup({
        modelId: context.modelId,
        settings: options.settings,
        progress: options.progress,
      });
      const budget = context.quick ? 15 : 30;
      const seeds = context.quick ? [0, 1, 2] : [0, 1, 2, 3, 4];
      const seeded = await compareStrategies({
        setup,
        strategies: SEEDED,
        seeds,
        maxTrials: budget,
        progress: options.progress,
      });
      const [basic] = await compareStrategies({
        setup,
        strategies: ["basic"],
        maxTrials: budget,
        progress: options.progress,
      });
      const runs = [...seeded, ...seeds.map((seed) => ({ ...basic, seed }))];
      return { rows: [], measurements: tuneMeasurements(runs, { budget, seeds }) };
    },
  };
}

/** What {@link tuneMeasurements} needs besides the runs. */
export interface TuneMeasurementsOptions {
  budget: number;
  seeds: readonly number[];
}

/**
 * The suite's measurements from strategy runs: trials to success of each strategy and seed (runs
 * that never met the criterion count budget + 1), each strategy's median, the bayesian / random
 * ratio (target ≤ 0.5) and whether every `basic` and `bayesian` run met the criterion.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tuneMeasurements } from "./tune_bench.ts";
 * const run = (strategy: string, seed: number, trialsToSuccess?: number) =>
 *   ({ strategy, seed, met: trialsToSuccess !== undefined, trialsToSuccess });
 * const m = tuneMeasurements([run("bayesian", 0, 5), run("random", 0), run("basic", 0, 9)], {
 *   budget: 30,
 *   seeds: [0],
 * });
 * assert.equal(m.find((x) => x.name === "random seed 0 trials to success")!.value, 31);
 * const ratio = m.find((x) => x.name === "bayesian / random median trials to success")!;
 * assert.equal(ratio.value, 5 / 31);
 * assert.equal(ratio.met, true);
 * ```
 */
export function tuneMeasurements(
  runs: readonly Pick<StrategyRun, "strategy" | "seed" | "met" | "trialsToSuccess">[],
  options: TuneMeasurementsOptions,
): Measurement[] {
  const { budget, seeds } = options;
  const never = `trials (never met: ${budget + 1} = budget + 1)`;
  const out: Measurement[] = [];
  const strategies = [...new Set(runs.map((r) => r.strategy))];
  for (const strategy of strategies) {
    for (const run of runs.filter((r) => r.strategy === strategy)) {
      out.push({
        name: `${strategy} seed ${run.seed} trials to success`,
        value: run.trialsToSuccess ?? budget + 1,
        unit: never,
      });
    }
  }
  const median = medianTrialsToSuccess(runs, budget);
  for (const strategy of strategies) {
    out.push({
      name: `${strategy} median trials to success`,
      value: median[strategy],
      unit: `trials, median of ${seeds.length} seeds`,
    });
  }
  const ratio = median.bayesian / median.random;
  out.push({
    name: "bayesian / random median trials to success",
    value: ratio,
    unit: "×",
    target: "≤ 0.5",
    met: ratio <= 0.5,
  });
  for (const strategy of ["basic", "bayesian"]) {
    const own = runs.filter((r) => r.strategy === strategy);
    out.push({
      name: `${strategy} runs meeting the criterion`,
      value: own.filter((r) => r.met).length,
      unit: `of ${own.length}`,
      target: `${own.length} of ${own.length}`,
      met: own.length > 0 && own.every((r) => r.met),
    });
  }
  return out;
}
