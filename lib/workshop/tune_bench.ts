/**
 * The `tune` suite of `deno task bench`: the tuning strategies compared on the outlier twin of the
 * run's model ({@link WORKSHOP_TWIN}, 128 validation pairs) — the median trials to success of
 * `bayesian` and `random` over seeds (target: bayesian needs at most half of random's), and
 * whether `basic` and `bayesian` meet the 1% criterion.
 *
 * @module
 */
import type { BenchSuite, Measurement } from "../bench/mod.ts";
import type { HubSettings } from "../hub/mod.ts";
import type { ProgressOption } from "../progress/mod.ts";
import {
  compareStrategies,
  medianTrialsToSuccess,
  twinTuningSetup,
} from "./strategy_comparison.ts";

/** Options of {@link tuneBenchSuite}. */
export interface TuneBenchOptions {
  settings?: HubSettings;
  progress?: ProgressOption;
}

/**
 * The `tune` bench suite (seeds 0–4 and 30 trials; 0–2 and 15 under `--quick`).
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
    description: "tuning strategies on the outlier twin: trials to success, bayesian vs random",
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
        strategies: ["bayesian", "random"],
        seeds,
        maxTrials: budget,
      });
      const basic = await compareStrategies({ setup, strategies: ["basic"], maxTrials: budget });
      const median = medianTrialsToSuccess(seeded, budget);
      const ratio = median.bayesian / median.random;
      const measurements: Measurement[] = [
        { name: "bayesian median trials to success", value: median.bayesian, unit: "trials" },
        { name: "random median trials to success", value: median.random, unit: "trials" },
        {
          name: "bayesian / random trials to success",
          value: ratio,
          unit: "×",
          target: "≤ 0.5",
          met: ratio <= 0.5,
        },
        {
          name: "basic trials to success",
          value: basic[0].trialsToSuccess ?? budget + 1,
          unit: "trials",
          target: "meets the 1% criterion",
          met: basic[0].met,
        },
        {
          name: "bayesian runs meeting the criterion",
          value: seeded.filter((r) => r.strategy === "bayesian" && r.met).length,
          unit: `of ${seeds.length}`,
          target: `${seeds.length} of ${seeds.length}`,
          met: seeded.filter((r) => r.strategy === "bayesian").every((r) => r.met),
        },
      ];
      return { rows: [], measurements };
    },
  };
}
