/**
 * Tuning strategies compared on the outlier twin: the setup (a stand-in or any DistilBERT, its
 * outlier twin, MRPC calibration and evaluation batches) and a run of every strategy with the
 * same budget over a few seeds — trials to success, wall time, the chosen configuration and its
 * latency — for notebook 07 and the `tune` bench suite.
 *
 * @module
 */

import { Figure, Table } from "../display/mod.ts";
import type { LabelledBatch } from "../eval/mod.ts";
import { type HubSettings, hubSettings } from "../hub/mod.ts";
import { OUTLIER_TWIN_DEFAULTS, outlierTwinModel, type OutlierTwinOptions } from "../model/mod.ts";
import type { Model } from "../onnx/mod.ts";
import type { ProgressOption } from "../progress/mod.ts";
import type { SessionOptions } from "../runtime/mod.ts";
import {
  classifierEvaluator,
  describeRecipe,
  type StopReason,
  type Trial,
  tune,
  type TuneEvaluate,
  type TuneObjective,
  type TuneResult,
} from "../tune/mod.ts";
import { type WorkshopLoaders, workshopLoaders } from "./loaders.ts";

/**
 * The twin the workshop tunes: lib/model's defaults ({@link OUTLIER_TWIN_DEFAULTS}: outliers × 10 000
 * on 4 channels of every layer's attention values and of the last LayerNorm). Every recipe
 * collapses its static INT8 model to the majority class, and only the five Linears that read the
 * outliers, left in FP32, give the FP32 predictions back: the search over op fallbacks decides.
 */
export const WORKSHOP_TWIN: OutlierTwinOptions = OUTLIER_TWIN_DEFAULTS;

/** Options of {@link twinTuningSetup}. */
export interface TwinTuningOptions {
  modelId: string;
  revision?: string;
  /** The twin (default {@link WORKSHOP_TWIN}); `false` tunes the model itself. */
  twin?: OutlierTwinOptions | false;
  /** Validation pairs evaluated per trial (default 128). */
  validationPairs?: number;
  /** MRPC train pairs to calibrate on (default 32). */
  calibrationPairs?: number;
  settings?: HubSettings;
  progress?: ProgressOption;
  loaders?: Partial<WorkshopLoaders>;
  session?: SessionOptions;
}

/** What every strategy of a comparison tunes. */
export interface TwinTuningSetup {
  modelId: string;
  /** The FP32 model tuned (the twin). */
  model: Model;
  calibration: LabelledBatch[];
  evaluation: LabelledBatch[];
  evaluate: TuneEvaluate;
  session?: SessionOptions;
}

/**
 * Loads `modelId` (exported by the kit, so its weights can be twinned), builds its outlier twin
 * and prepares MRPC calibration and evaluation batches.
 *
 * @example
 * ```ts ignore
 * const setup = await twinTuningSetup({ modelId: "standin/distilbert-mini-uncased-mrpc" });
 * ```
 */
export async function twinTuningSetup(options: TwinTuningOptions): Promise<TwinTuningSetup> {
  const loaders = workshopLoaders(options.loaders);
  const common = {
    revision: options.revision,
    settings: options.settings ?? hubSettings(),
    progress: options.progress,
  };
  const classifier = await loaders.loadClassifier(options.modelId, {
    ...common,
    export: "always",
  });
  const fp32 = await loaders.readModel(classifier.path);
  const twin = options.twin ?? WORKSHOP_TWIN;
  const model = twin === false ? fp32 : outlierTwinModel(fp32, classifier.config, twin);
  const data = { modelId: options.modelId, ...common };
  const [evaluation, calibration] = [
    await loaders.prepareMrpc("validation", {
      ...data,
      batchSize: 16,
      limit: options.validationPairs ?? 128,
    }),
    await loaders.prepareMrpc("train", {
      ...data,
      batchSize: 8,
      limit: options.calibrationPairs ?? 32,
    }),
  ];
  return {
    modelId: options.modelId,
    model,
    calibration: calibration.batches,
    evaluation: evaluation.batches,
    evaluate: classifierEvaluator({ batches: evaluation.batches, session: options.session }),
    session: options.session,
  };
}

/** One strategy run of a comparison. */
export interface StrategyRun {
  strategy: string;
  seed: number;
  met: boolean;
  /** Trials up to and including the first passing one (undefined: none passed). */
  trialsToSuccess?: number;
  trials: number;
  seconds: number;
  /** The chosen configuration in words. */
  chosen: string;
  bestAccuracy: number;
  bestLatencyMs?: number;
  /**
   * What ended the run: `met` (it stopped at its first passing trial), else the budget that ran
   * out (`maxTrials`, `timeBudget`) or `exhausted` (nothing left to try) — also for strategies
   * that go on after a pass, where the tuner's own `stopReason` says `met`.
   */
  stopReason: StopReason;
  history: Trial[];
  result: TuneResult;
}

/** Options of {@link compareStrategies}. */
export interface CompareStrategiesOptions {
  setup: TwinTuningSetup;
  strategies: readonly string[];
  /** Seeds per strategy (default [0]). */
  seeds?: readonly number[];
  /** The same budget for every run (default 30). */
  maxTrials?: number;
  /** The same wall-time share for every run, in seconds from its start (default: none). */
  timeBudgetSeconds?: number;
  objective?: TuneObjective;
  /** Time every trial (default false). */
  latency?: boolean;
  progress?: ProgressOption;
  /** Called after each run (a notebook redraws its table). */
  onRun?: (run: StrategyRun) => void | Promise<void>;
}

/**
 * Runs each strategy on the setup's model with the same budget, once per seed.
 *
 * @example
 * ```ts ignore
 * const runs = await compareStrategies({ setup, strategies: ["basic", "bayesian"], seeds: [0, 1] });
 * ```
 */
export async function compareStrategies(
  options: CompareStrategiesOptions,
): Promise<StrategyRun[]> {
  const { setup } = options;
  const runs: StrategyRun[] = [];
  const maxTrials = options.maxTrials ?? 30;
  for (const strategy of options.strategies) {
    for (const seed of options.seeds ?? [0]) {
      const result = await tune({
        model: setup.model,
        calibration: setup.calibration,
        sensitivity: { batches: setup.calibration.slice(0, 4) },
        evaluate: setup.evaluate,
        strategy,
        seed,
        maxTrials,
        timeBudgetSeconds: options.timeBudgetSeconds,
        objective: options.objective,
        latency: options.latency ? {} : false,
        session: setup.session,
        progress: options.progress ?? false,
      });
      const first = result.history.find((t) => t.met);
      const best = result.best;
      const run: StrategyRun = {
        strategy,
        seed,
        met: result.met,
        trialsToSuccess: first ? first.index + 1 : undefined,
        trials: result.history.length,
        seconds: result.seconds,
        chosen: `${describeRecipe(best.config.recipe)}; FP32: ${
          best.config.fallback.join(", ") || "none"
        }`,
        bestAccuracy: best.accuracy,
        bestLatencyMs: best.latencyMs,
        stopReason: stoppedBy(result, {
          maxTrials,
          timeBudgetSeconds: options.timeBudgetSeconds,
        }),
        history: [...result.history],
        result,
      };
      runs.push(run);
      await options.onRun?.(run);
    }
  }
  return runs;
}

/**
 * What ended a run (see {@link StrategyRun.stopReason}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { stoppedBy } from "./strategy_comparison.ts";
 * const trials = (...met: boolean[]) => met.map((m) => ({ met: m }));
 * const budget = { maxTrials: 3, timeBudgetSeconds: 10 };
 * assert.equal(stoppedBy({ met: true, stopReason: "met", seconds: 2, history: trials(false, true) }, budget), "met");
 * assert.equal(stoppedBy({ met: true, stopReason: "met", seconds: 9, history: trials(true, false, false) }, budget), "maxTrials");
 * assert.equal(stoppedBy({ met: true, stopReason: "met", seconds: 11, history: trials(true, false) }, budget), "timeBudget");
 * assert.equal(stoppedBy({ met: false, stopReason: "timeBudget", seconds: 11, history: trials(false) }, budget), "timeBudget");
 * ```
 */
export function stoppedBy(
  result: Pick<TuneResult, "met" | "stopReason" | "seconds"> & {
    history: readonly { met: boolean }[];
  },
  budget: { maxTrials: number; timeBudgetSeconds?: number },
): StopReason {
  const { history } = result;
  if (result.stopReason !== "met") return result.stopReason;
  if (history.findIndex((t) => t.met) === history.length - 1) return "met";
  if (history.length >= budget.maxTrials) return "maxTrials";
  const time = budget.timeBudgetSeconds;
  return time !== undefined && result.seconds >= time ? "timeBudget" : "exhausted";
}

/** Median of the trials to success per strategy (runs that never passed count as budget + 1). */
export function medianTrialsToSuccess(
  runs: readonly Pick<StrategyRun, "strategy" | "trialsToSuccess">[],
  budget: number,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of new Set(runs.map((r) => r.strategy))) {
    const values = runs.filter((r) => r.strategy === name)
      .map((r) => r.trialsToSuccess ?? budget + 1).sort((a, b) => a - b);
    const mid = values.length >> 1;
    out[name] = values.length % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
  }
  return out;
}

/**
 * One row per run: strategy, seed, whether and when it met the criterion, trials, wall time,
 * the chosen configuration, its accuracy and latency.
 *
 * @example
 * ```ts ignore
 * strategyComparisonTable(runs);
 * ```
 */
export function strategyComparisonTable(runs: readonly StrategyRun[], title?: string): Table {
  return new Table(
    runs.map((r) => ({
      strategy: r.strategy,
      seed: r.seed,
      met: r.met ? "yes" : "no",
      "trials to success": r.trialsToSuccess ?? "—",
      trials: r.trials,
      "stopped by": r.stopReason,
      "wall s": r.seconds,
      accuracy: r.bestAccuracy,
      "latency ms": r.bestLatencyMs ?? "—",
      chosen: r.chosen,
    })),
    { title: title ?? "Strategies on the outlier twin, same budget", digits: 3 },
  );
}

/**
 * Accuracy trial after trial, one line per run, with the criterion's threshold.
 *
 * @example
 * ```ts ignore
 * strategyHistoryFigure(runs);
 * ```
 */
export function strategyHistoryFigure(runs: readonly StrategyRun[]): Figure {
  const threshold = runs[0]?.result.threshold;
  const traces: Record<string, unknown>[] = runs.map((r) => ({
    type: "scatter",
    mode: "lines+markers",
    name: runs.filter((o) => o.strategy === r.strategy).length > 1
      ? `${r.strategy} (seed ${r.seed})`
      : r.strategy,
    x: r.history.map((t) => t.index + 1),
    y: r.history.map((t) => t.accuracy),
    marker: { symbol: r.history.map((t) => (t.met ? "circle" : "x")) },
  }));
  if (threshold !== undefined) {
    const last = Math.max(1, ...runs.map((r) => r.trials));
    traces.push({
      type: "scatter",
      mode: "lines",
      name: "threshold",
      x: [1, last],
      y: [threshold, threshold],
      line: { dash: "dash", color: "gray" },
    });
  }
  return new Figure(traces, {
    title: { text: "Tuning history: accuracy per trial (● meets the criterion, × fails it)" },
    xaxis: { title: { text: "trial" } },
    yaxis: { title: { text: "accuracy" } },
  });
}
