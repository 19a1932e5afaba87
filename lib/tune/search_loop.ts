/**
 * The accuracy-driven loop, for any {@link SearchSpace}: a strategy proposes configurations,
 * the loop applies each to get a candidate model, evaluates it, checks the accuracy criterion,
 * records the trial, keeps the best model and enforces the budget (`maxTrials`, time).
 *
 * @module
 */

import type { Model } from "../onnx/mod.ts";
import type { ProgressReporter } from "../progress/mod.ts";
import type { Rng } from "../random/mod.ts";
import { type AccuracyCriterion, criterionAccuracy, meetsCriterion } from "./criterion.ts";
import { forgetBytes, rememberBytes } from "./encoded.ts";
import { TuneError } from "./errors.ts";
import type { LatencyProbe } from "./latency.ts";
import type { SearchSpace } from "./search_space.ts";
import type { TrialCache } from "./trial_cache.ts";
import type { StopReason, TuneBaseline, TuneEvaluate, TuneMetrics } from "./types.ts";

/** What the loop records of every trial, whatever the space. */
export interface TrialMeasures {
  /** 0-based position in the history. */
  index: number;
  /** The part of the search the strategy was in (any name a strategy gives). */
  phase: string;
  accuracy: number;
  f1?: number;
  agreement?: number;
  /** Everything the evaluation function returned. */
  metrics: Record<string, number>;
  /** Median ms of one run (see `latency`); undefined when not measured. */
  latencyMs?: number;
  /** Bytes of the serialized model. */
  sizeBytes: number;
  /** Wall time of the trial: apply, evaluate, time. */
  seconds: number;
  /** Whether the accuracy meets the criterion. */
  met: boolean;
  /** True when the measures came from the trial cache (nothing was evaluated). */
  cached?: boolean;
}

/** A trial of a space whose applied configurations record `X`. */
export type SearchTrial<X extends object = Record<never, never>> = TrialMeasures & X;

/** The best trial so far, its model and the space's artifact. */
export interface SearchBest<X extends object, A> {
  trial: SearchTrial<X>;
  model: Model;
  artifact: A;
}

/** Everything a {@link SearchLoop} needs. */
export interface SearchLoopInit<C, X extends object, A> {
  space: SearchSpace<C, X, A>;
  evaluate: TuneEvaluate;
  criterion: AccuracyCriterion;
  baseline: TuneBaseline;
  /** The lowest accuracy that meets the criterion. */
  threshold: number;
  latency?: LatencyProbe;
  maxTrials: number;
  /** `performance.now()` after which no trial starts (the first one excepted). */
  deadline: number;
  /** The seeded generator strategies draw from. */
  rng: Rng;
  progress: ProgressReporter;
  /**
   * Keep going after a trial meets the criterion (to optimize an objective among passing
   * trials within the budget); default false: the first passing trial ends the search.
   */
  continueAfterMet?: boolean;
  /** Where trials are looked up by content before being evaluated, and stored after. */
  cache?: TrialCache;
  /** Orders trials best first (default {@link rankByCost} with the space's cost). */
  compare?: (a: SearchTrial<X>, b: SearchTrial<X>) => number;
  onTrial?: (trial: SearchTrial<X>, history: readonly SearchTrial<X>[]) => void | Promise<void>;
}

/**
 * Orders trials best first: trials that meet the criterion before those that do not; among
 * those that meet it, lower `cost` first, then higher accuracy, then higher agreement; among the
 * others, higher accuracy, then higher agreement, then lower cost; then earlier.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { rankByCost, type SearchTrial } from "./search_loop.ts";
 * type Pruned = SearchTrial<{ kept: number }>;
 * const t = (index: number, accuracy: number, met: boolean, kept: number) =>
 *   ({ index, accuracy, met, kept }) as Pruned;
 * const order = rankByCost((trial: Pruned) => trial.kept);
 * const sorted = [t(0, 0.9, false, 1), t(1, 0.99, true, 0.8), t(2, 0.995, true, 0.5)].sort(order);
 * assert.deepEqual(sorted.map((x) => x.index), [2, 1, 0]);
 * ```
 */
export function rankByCost<T extends TrialMeasures>(
  cost: (trial: T) => number,
): (a: T, b: T) => number {
  return (a, b) => {
    if (a.met !== b.met) return a.met ? -1 : 1;
    const costs = cost(a) - cost(b);
    const accuracy = b.accuracy - a.accuracy;
    const agreement = (b.agreement ?? -1) - (a.agreement ?? -1);
    const keys = a.met ? [costs, accuracy, agreement] : [accuracy, agreement, costs];
    return keys.find((k) => k !== 0) ?? a.index - b.index;
  };
}

/**
 * Calls `evaluate` and checks it gave a finite accuracy; errors are {@link TuneError}s that
 * start with `where`.
 */
export async function evaluateChecked(
  evaluate: TuneEvaluate,
  model: Model,
  where: string,
): Promise<TuneMetrics> {
  let metrics: TuneMetrics;
  try {
    metrics = await evaluate(model);
  } catch (error) {
    throw new TuneError(`${where}: evaluate failed: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (typeof metrics?.accuracy !== "number" || !Number.isFinite(metrics.accuracy)) {
    throw new TuneError(
      `${where}: evaluate returned accuracy ${metrics?.accuracy}; it must resolve to ` +
        "{ accuracy: number, … } with a finite accuracy.",
    );
  }
  return metrics;
}

/** One search run, as strategies see it. */
export class SearchLoop<C, X extends object = Record<never, never>, A = undefined> {
  readonly space: SearchSpace<C, X, A>;
  readonly baseline: TuneBaseline;
  readonly criterion: AccuracyCriterion;
  /** The lowest accuracy that meets the criterion. */
  readonly threshold: number;
  readonly rng: Rng;
  readonly #init: SearchLoopInit<C, X, A>;
  readonly #compare: (a: SearchTrial<X>, b: SearchTrial<X>) => number;
  readonly #history: SearchTrial<X>[] = [];
  readonly #keys = new Set<string>();
  #best?: SearchBest<X, A>;

  constructor(init: SearchLoopInit<C, X, A>) {
    this.#init = init;
    this.space = init.space;
    this.baseline = init.baseline;
    this.criterion = init.criterion;
    this.threshold = init.threshold;
    this.rng = init.rng;
    const cost = init.space.cost?.bind(init.space) ?? (() => 0);
    this.#compare = init.compare ?? rankByCost(cost);
  }

  /** Trials so far, in order. */
  get history(): readonly SearchTrial<X>[] {
    return this.#history;
  }

  /** The best trial so far with its model and artifact. */
  get best(): SearchBest<X, A> | undefined {
    return this.#best;
  }

  /** Why no further trial may start, or undefined while the budget lasts. */
  get stopReason(): StopReason | undefined {
    if (this.#history.length >= this.#init.maxTrials) return "maxTrials";
    if (this.#history.length > 0 && this.expired) return "timeBudget";
    return undefined;
  }

  /** Whether the time budget is spent (strategies check it before extra measurements). */
  get expired(): boolean {
    return performance.now() >= this.#init.deadline;
  }

  /**
   * Whether `trial` ends the search: it meets the criterion and the run stops at the first
   * passing trial (strategies call this instead of reading `trial.met`).
   */
  satisfied(trial: TrialMeasures): boolean {
    return trial.met && !this.#init.continueAfterMet;
  }

  /** Whether a configuration with the same key already ran. */
  tried(config: C): boolean {
    return this.#keys.has(this.space.key(config));
  }

  /** Scores a model with the run's evaluation function (errors name `where`). */
  evaluate(model: Model, where: string): Promise<TuneMetrics> {
    return evaluateChecked(this.#init.evaluate, model, where);
  }

  /**
   * Applies `config` as the next trial, in `phase`, and returns the trial, or undefined when the
   * budget is spent (nothing ran). Errors of the space or the evaluation are {@link TuneError}s
   * naming the trial.
   */
  async run(phase: string, config: C): Promise<SearchTrial<X> | undefined> {
    if (this.stopReason) return undefined;
    const index = this.#history.length;
    const started = performance.now();
    const where = `trial ${index} (${phase}: ${this.space.describe(config)})`;
    let applied;
    try {
      applied = await this.space.apply(config);
    } catch (error) {
      throw new TuneError(`${where}: ${this.space.name} failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const bytes = rememberBytes(applied.model);
    let metrics: TuneMetrics;
    let latencyMs: number | undefined;
    const cache = this.#init.cache;
    let cached = false;
    try {
      const key = cache?.key(bytes, applied.record, this.baseline.metrics);
      const hit = key ? await cache!.get(key) : undefined;
      if (hit && (hit.latencyMs !== undefined || !this.#init.latency)) {
        metrics = { ...hit.metrics, accuracy: hit.accuracy, f1: hit.f1, agreement: hit.agreement };
        latencyMs = this.#init.latency ? hit.latencyMs : undefined;
        cached = true;
      } else {
        metrics = await this.evaluate(applied.model, where);
        latencyMs = this.#init.latency ? await this.#init.latency.measure(bytes) : undefined;
        if (key) {
          await cache!.put(key, {
            accuracy: metrics.accuracy,
            f1: metrics.f1,
            agreement: metrics.agreement,
            metrics: plainMetrics(metrics),
            latencyMs,
          });
        }
      }
    } finally {
      forgetBytes(applied.model);
    }
    const trial = {
      index,
      phase,
      ...applied.record,
      accuracy: metrics.accuracy,
      f1: metrics.f1,
      agreement: metrics.agreement,
      metrics: plainMetrics(metrics),
      latencyMs,
      sizeBytes: bytes.byteLength,
      seconds: (performance.now() - started) / 1000,
      met: meetsCriterion(
        criterionAccuracy(metrics, this.criterion),
        this.baseline.accuracy,
        this.criterion,
      ),
      ...(cached ? { cached: true } : {}),
    } as SearchTrial<X>;
    this.#history.push(trial);
    this.#keys.add(this.space.key(config));
    if (!this.#best || this.#compare(trial, this.#best.trial) < 0) {
      this.#best = { trial, model: applied.model, artifact: applied.artifact };
    }
    this.#init.progress.tick(1);
    await this.#init.onTrial?.(trial, this.#history);
    return trial;
  }
}

/** The numbers of `metrics` (drops undefined entries). */
export function plainMetrics(metrics: TuneMetrics): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(metrics)) {
    if (typeof value === "number") out[key] = value;
  }
  return out;
}
