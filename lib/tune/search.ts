/**
 * `search`: the accuracy-driven loop end to end for any {@link SearchSpace} of model transforms —
 * measure the FP32 baseline, let a strategy propose configurations until one meets the accuracy
 * criterion or the budget ends, and return the best candidate with the whole history. `tune`
 * is this loop over the quantization space; per-layer pruning ratios fit the same way.
 *
 * @module
 */

import type { Model } from "../onnx/mod.ts";
import { type ProgressOption, progressReporter } from "../progress/mod.ts";
import { createRng } from "../random/mod.ts";
import type { SessionOptions } from "../runtime/mod.ts";
import {
  type AccuracyCriterion,
  checkCriterion,
  criterionThreshold,
  DEFAULT_CRITERION,
  describeCriterion,
} from "./criterion.ts";
import { forgetBytes, rememberBytes } from "./encoded.ts";
import { TuneError, TuneOptionsError } from "./errors.ts";
import { type LatencyProbe, latencyProbe, type TrialLatencyOptions } from "./latency.ts";
import { evaluateChecked, plainMetrics, SearchLoop, type SearchTrial } from "./search_loop.ts";
import type { SearchSpace } from "./search_space.ts";
import type { TrialCache } from "./trial_cache.ts";
import type { StopReason, TuneBaseline, TuneEvaluate } from "./types.ts";

/** Default of {@link SearchOptions.maxTrials}. */
export const DEFAULT_MAX_TRIALS = 100;

/** Proposes configurations of a space to the loop. */
export interface SearchStrategy<C, X extends object = Record<never, never>, A = undefined> {
  readonly name: string;
  /** Runs trials through `loop.run` until one meets the criterion or `loop.run` returns undefined. */
  run(loop: SearchLoop<C, X, A>): Promise<void>;
}

/** Options of {@link search}. */
export interface SearchOptions<C, X extends object = Record<never, never>, A = undefined> {
  /** The FP32 model: the baseline every trial is compared with (not changed). */
  model: Model;
  space: SearchSpace<C, X, A>;
  strategy: SearchStrategy<C, X, A>;
  /** Scores a model (FP32 first, then every trial's). */
  evaluate: TuneEvaluate;
  /** Allowed accuracy loss (default `{ relative: 0.01 }`). */
  criterion?: AccuracyCriterion;
  /** At most this many trials (default 100). */
  maxTrials?: number;
  /** Stop starting trials this many seconds after `startedAt`; the first trial always runs. */
  timeBudgetSeconds?: number;
  /** `performance.now()` the time budget counts from (default: the call). */
  startedAt?: number;
  /** Seed of the strategy's generator `loop.rng` (default 0). */
  seed?: number;
  /** How to time each trial (default batch 8 × seq 128, 5 runs), a ready probe, or `false`. */
  latency?: false | TrialLatencyOptions | LatencyProbe;
  /** How ONNX Runtime runs latency sessions. */
  session?: SessionOptions;
  /** Progress per trial (see `lib/progress`); default on. */
  progress?: ProgressOption;
  /** Progress label (default `search (<strategy>)`). */
  label?: string;
  /** Orders trials best first (default: met first, then the space's cost, then accuracy). */
  compare?: (a: SearchTrial<X>, b: SearchTrial<X>) => number;
  /** Called after every trial. */
  onTrial?: (trial: SearchTrial<X>, history: readonly SearchTrial<X>[]) => void | Promise<void>;
  /** Keep searching after a passing trial, until the budget ends (objectives). */
  continueAfterMet?: boolean;
  /** Cached trials by content hash (see `TrialCache`). */
  cache?: TrialCache;
}

/** What {@link search} returns. */
export interface SearchOutcome<X extends object = Record<never, never>, A = undefined> {
  met: boolean;
  best: SearchTrial<X>;
  /** The best trial's model. */
  model: Model;
  /** The best trial's artifact (the space's). */
  artifact: A;
  baseline: TuneBaseline;
  history: SearchTrial<X>[];
  strategy: string;
  criterion: AccuracyCriterion;
  threshold: number;
  stopReason: StopReason;
  /** Wall time from `startedAt`. */
  seconds: number;
  message: string;
}

/**
 * Searches `options.space` with `options.strategy` until a candidate meets the criterion (see
 * {@link SearchOptions}). Never throws because nothing met the criterion: `met` is false.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildDistilBert, DISTILBERT_BASE } from "../model/mod.ts";
 * import { search } from "./mod.ts";
 * const config = { ...DISTILBERT_BASE, vocabSize: 1100, dim: 16, nLayers: 1, nHeads: 2, hiddenDim: 32, maxPositionEmbeddings: 32 };
 * const model = buildDistilBert(config, { seed: 0 });
 * // A toy space: "accuracy" is the share of weights kept, and keeping fewer is cheaper.
 * const result = await search({
 *   model, latency: false, progress: false, criterion: { absolute: 0.3 },
 *   evaluate: (m) => Promise.resolve({ accuracy: Number(m.graph.docString ?? 1) }),
 *   space: {
 *     name: "toy", key: String, describe: (keep: number) => `keep ${keep}`,
 *     apply: (keep: number) => ({ model: { ...model, graph: { ...model.graph, docString: String(keep) } }, record: { keep }, artifact: undefined }),
 *     cost: (trial) => trial.keep,
 *   },
 *   strategy: { name: "down", async run(loop) { for (const k of [1, 0.8, 0.6, 0.4]) await loop.run("down", k); } },
 * });
 * assert.deepEqual(result.history.map((t) => [t.keep, t.met]), [[1, true], [0.8, true], [0.6, false], [0.4, false]]);
 * assert.equal(result.best.keep, 0.8);
 * assert.equal(result.stopReason, "met");
 * ```
 */
export async function search<C, X extends object = Record<never, never>, A = undefined>(
  options: SearchOptions<C, X, A>,
): Promise<SearchOutcome<X, A>> {
  const started = options.startedAt ?? performance.now();
  checkSearchOptions(options);
  const criterion = options.criterion ?? DEFAULT_CRITERION;
  checkCriterion(criterion);
  const maxTrials = options.maxTrials ?? DEFAULT_MAX_TRIALS;
  const latency = resolveLatency(options.model, options.latency, options.session);
  const baseline = await measureBaseline(options.model, options.evaluate, latency);
  const threshold = criterionThreshold(baseline.accuracy, criterion);
  const strategy = options.strategy;
  const progress = progressReporter(options.progress, {
    label: options.label ?? `search (${strategy.name})`,
    total: Number.isFinite(maxTrials) ? maxTrials : undefined,
    unit: "trials",
  });
  const loop = new SearchLoop<C, X, A>({
    space: options.space,
    evaluate: options.evaluate,
    criterion,
    baseline,
    threshold,
    latency,
    maxTrials,
    deadline: started + (options.timeBudgetSeconds ?? Infinity) * 1000,
    rng: createRng(options.seed ?? 0),
    progress,
    compare: options.compare,
    onTrial: options.onTrial,
    continueAfterMet: options.continueAfterMet,
    cache: options.cache,
  });
  try {
    await strategy.run(loop);
  } catch (error) {
    progress.fail(error);
    throw error;
  }
  progress.done();
  const best = loop.best;
  if (!best) {
    throw new TuneError(
      `strategy "${strategy.name}" ran no trial: a strategy must call ctx.run at least once.`,
    );
  }
  const stopReason: StopReason = best.trial.met ? "met" : loop.stopReason ?? "exhausted";
  const outcome = {
    met: best.trial.met,
    best: best.trial,
    model: best.model,
    artifact: best.artifact,
    baseline,
    history: [...loop.history],
    strategy: strategy.name,
    criterion,
    threshold,
    stopReason,
    seconds: (performance.now() - started) / 1000,
  };
  return { ...outcome, message: describeSearch(outcome, options.space.name) };
}

/** Throws a {@link TuneOptionsError} for options no search can run with. */
export function checkSearchOptions(
  options: Pick<SearchOptions<unknown>, "model" | "evaluate" | "maxTrials" | "timeBudgetSeconds">,
): void {
  if (!options.model?.graph) {
    throw new TuneOptionsError(
      "options.model must be an ONNX Model (readModel, buildDistilBert…).",
    );
  }
  if (typeof options.evaluate !== "function") {
    throw new TuneOptionsError(
      "options.evaluate must be a function (model) => Promise<{ accuracy }>; " +
        "use classifierEvaluator({ batches }) for labelled token batches.",
    );
  }
  const maxTrials = options.maxTrials ?? DEFAULT_MAX_TRIALS;
  if (!(maxTrials >= 1) || (Number.isFinite(maxTrials) && !Number.isInteger(maxTrials))) {
    throw new TuneOptionsError(`maxTrials ${maxTrials} must be a positive integer (or Infinity).`);
  }
  const budget = options.timeBudgetSeconds;
  if (budget !== undefined && !(budget > 0)) {
    throw new TuneOptionsError(`timeBudgetSeconds ${budget} must be a positive number of seconds.`);
  }
}

function resolveLatency(
  model: Model,
  latency: SearchOptions<unknown>["latency"],
  session?: SessionOptions,
): LatencyProbe | undefined {
  if (latency === false) return undefined;
  if (typeof (latency as LatencyProbe | undefined)?.measure === "function") {
    return latency as LatencyProbe;
  }
  return latencyProbe(model, (latency ?? {}) as TrialLatencyOptions, session);
}

/** The FP32 model's scores (and latency, when a probe is given). */
export async function measureBaseline(
  model: Model,
  evaluate: TuneEvaluate,
  latency?: LatencyProbe,
): Promise<TuneBaseline> {
  const bytes = rememberBytes(model);
  try {
    const metrics = await evaluateChecked(evaluate, model, "the FP32 model");
    return {
      accuracy: metrics.accuracy,
      f1: metrics.f1,
      latencyMs: latency ? await latency.measure(bytes) : undefined,
      sizeBytes: bytes.byteLength,
      metrics: plainMetrics(metrics),
    };
  } finally {
    forgetBytes(model);
  }
}

function describeSearch(
  r: Omit<SearchOutcome<object, unknown>, "message">,
  space: string,
): string {
  const f = (x: number) => x.toFixed(4);
  const best = `trial ${r.best.index} (${r.best.phase}) with accuracy ${f(r.best.accuracy)}`;
  const trials = `${r.history.length} trial(s), ${r.seconds.toFixed(1)} s`;
  if (r.met) {
    return `Met ${describeCriterion(r.criterion)} (${space}) with ${best} vs FP32 ` +
      `${f(r.baseline.accuracy)}; ${trials}.`;
  }
  return `No ${space} configuration met ${describeCriterion(r.criterion)} (accuracy ≥ ` +
    `${f(r.threshold)}) in ${trials}, stopped by ${r.stopReason}. Best: ${best}.`;
}
