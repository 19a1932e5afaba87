/**
 * The state of one tune run that strategies work through: it turns a candidate (phase, recipe,
 * fallback groups) into a quantized model, scores it, records the trial, keeps the best model
 * and enforces the budget (`maxTrials`, time). It also measures the sensitivity of fallback
 * groups on demand.
 *
 * @module
 */

import type { Model } from "../onnx/mod.ts";
import type { ProgressReporter } from "../progress/mod.ts";
import {
  type CalibrationResult,
  quantizedNodes,
  quantizeDynamic,
  type QuantizeResult,
  quantizeStatic,
  type QuantReport,
  recalibrate,
  type StaticQuantOptions,
} from "../quant/mod.ts";
import { type AccuracyCriterion, criterionAccuracy, meetsCriterion } from "./criterion.ts";
import { forgetBytes, rememberBytes } from "./encoded.ts";
import { TuneError } from "./errors.ts";
import { blockGroups, type FallbackGroup, type GroupBy, opGroups } from "./groups.ts";
import type { LatencyProbe } from "./latency.ts";
import { describeRecipe, type Recipe, recipeKey, type RecipeSpace } from "./recipes.ts";
import type { TuneRng } from "./rng.ts";
import type { OutputErrorProbe, SensitivityEntry } from "./sensitivity.ts";
import type {
  PlainQuantOptions,
  StopReason,
  Trial,
  TrialConfig,
  TuneBaseline,
  TuneEvaluate,
  TuneMetrics,
  TunePhase,
} from "./types.ts";

/** What a strategy asks to try. */
export interface Candidate {
  phase: TunePhase;
  recipe: Recipe;
  /** Groups left in FP32 (default none). */
  fallback?: readonly FallbackGroup[];
}

/** Everything a {@link TuneContext} needs; `tune` assembles it. */
export interface TuneContextInit {
  approach: "static" | "dynamic";
  /** The FP32 model to quantize (after `fuseFirst` / `transform`). */
  model: Model;
  evaluate: TuneEvaluate;
  criterion: AccuracyCriterion;
  baseline: TuneBaseline;
  /** Static: the calibration whose histograms every recipe re-derives ranges from. */
  calibration?: CalibrationResult;
  quant: StaticQuantOptions;
  space: RecipeSpace;
  defaultRecipe: Recipe;
  groupBy: GroupBy;
  /** Logit error against FP32 on calibration batches (else sensitivity uses `evaluate`). */
  probe?: OutputErrorProbe;
  latency?: LatencyProbe;
  maxTrials: number;
  /** `performance.now()` after which no trial starts (the first one excepted). */
  deadline: number;
  rng: TuneRng;
  progress: ProgressReporter;
  onTrial?: (trial: Trial, history: readonly Trial[]) => void | Promise<void>;
}

/**
 * Orders trials best first: trials that meet the criterion before those that do not; among
 * those that meet it, fewer FP32 fallback nodes (more INT8) first, then higher accuracy; among
 * the others, higher accuracy, then higher agreement, then fewer fallbacks; then earlier.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compareTrials } from "./context.ts";
 * const t = (index: number, accuracy: number, met: boolean, fallback: number) =>
 *   ({ index, accuracy, met, fallbackNodes: new Array(fallback).fill("n") }) as never;
 * const sorted = [t(0, 0.9, false, 0), t(1, 0.99, true, 3), t(2, 0.995, true, 1)].sort(compareTrials);
 * assert.deepEqual(sorted.map((x: { index: number }) => x.index), [2, 1, 0]);
 * ```
 */
export function compareTrials(a: Trial, b: Trial): number {
  if (a.met !== b.met) return a.met ? -1 : 1;
  const fallback = a.fallbackNodes.length - b.fallbackNodes.length;
  const accuracy = b.accuracy - a.accuracy;
  const agreement = (b.agreement ?? -1) - (a.agreement ?? -1);
  const keys = a.met ? [fallback, accuracy, agreement] : [accuracy, agreement, fallback];
  return keys.find((k) => k !== 0) ?? a.index - b.index;
}

/** One tune run, as strategies see it. */
export class TuneContext {
  readonly approach: "static" | "dynamic";
  readonly space: RecipeSpace;
  readonly defaultRecipe: Recipe;
  readonly baseline: TuneBaseline;
  /** The lowest accuracy that meets the criterion. */
  readonly threshold: number;
  readonly rng: TuneRng;
  readonly #init: TuneContextInit;
  readonly #history: Trial[] = [];
  readonly #keys = new Set<string>();
  readonly #ranges = new Map<string, CalibrationResult>();
  readonly #sensitivity = new Map<string, SensitivityEntry>();
  #quantizable?: string[];
  #best?: { trial: Trial; model: Model; report: QuantReport };

  constructor(init: TuneContextInit, threshold: number) {
    this.#init = init;
    this.approach = init.approach;
    this.space = init.space;
    this.defaultRecipe = init.defaultRecipe;
    this.baseline = init.baseline;
    this.threshold = threshold;
    this.rng = init.rng;
  }

  /** Trials so far, in order. */
  get history(): readonly Trial[] {
    return this.#history;
  }

  /** The best trial so far with its model and quantization report (see {@link compareTrials}). */
  get best(): { trial: Trial; model: Model; report: QuantReport } | undefined {
    return this.#best;
  }

  /** Why no further trial may start, or undefined while the budget lasts. */
  get stopReason(): StopReason | undefined {
    if (this.#history.length >= this.#init.maxTrials) return "maxTrials";
    if (this.#history.length > 0 && performance.now() >= this.#init.deadline) return "timeBudget";
    return undefined;
  }

  /** Nodes the base options quantize: what fallbacks choose from, in graph order. */
  quantizableNodes(): string[] {
    this.#quantizable ??= quantizedNodes(this.#quantize(this.defaultRecipe, []).report);
    return this.#quantizable;
  }

  /** The quantizable nodes grouped by block (`groupBy`). */
  blocks(): FallbackGroup[] {
    return blockGroups(this.quantizableNodes(), this.#init.groupBy);
  }

  /** One group per quantizable node. */
  ops(): FallbackGroup[] {
    return opGroups(this.quantizableNodes());
  }

  /** Whether a candidate with the same recipe and fallback nodes already ran. */
  tried(candidate: Candidate): boolean {
    return this.#keys.has(candidateKey(candidate));
  }

  /**
   * Runs a candidate as the next trial and returns it, or undefined when the budget is spent
   * (nothing ran). Errors of quantization or evaluation are raised as {@link TuneError}s naming
   * the trial.
   */
  async run(candidate: Candidate): Promise<Trial | undefined> {
    if (this.stopReason) return undefined;
    const index = this.#history.length;
    const started = performance.now();
    const fallbackNodes = fallbackOf(candidate);
    const config = this.#config(candidate, fallbackNodes);
    const where = `trial ${index} (${candidate.phase}: ${describeRecipe(candidate.recipe)}, ` +
      `${fallbackNodes.length} node(s) FP32)`;
    let result: QuantizeResult;
    try {
      result = this.#quantize(candidate.recipe, fallbackNodes);
    } catch (error) {
      throw new TuneError(`${where}: quantization failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
    if (fallbackNodes.length === 0) this.#quantizable ??= quantizedNodes(result.report);
    const bytes = rememberBytes(result.model);
    let metrics: TuneMetrics;
    let latencyMs: number | undefined;
    try {
      metrics = await this.#evaluate(result.model, where);
      latencyMs = this.#init.latency ? await this.#init.latency.measure(bytes) : undefined;
    } finally {
      forgetBytes(result.model);
    }
    const trial: Trial = {
      index,
      phase: candidate.phase,
      config,
      accuracy: metrics.accuracy,
      f1: metrics.f1,
      agreement: metrics.agreement,
      metrics: plainMetrics(metrics),
      latencyMs,
      sizeBytes: bytes.byteLength,
      quantizedNodes: result.report.counts.quantized,
      fallbackNodes,
      seconds: (performance.now() - started) / 1000,
      met: meetsCriterion(
        criterionAccuracy(metrics, this.#init.criterion),
        this.baseline.accuracy,
        this.#init.criterion,
      ),
    };
    this.#history.push(trial);
    this.#keys.add(candidateKey(candidate));
    if (!this.#best || compareTrials(trial, this.#best.trial) < 0) {
      this.#best = { trial, model: result.model, report: result.report };
    }
    this.#init.progress.tick(1);
    await this.#init.onTrial?.(trial, this.#history);
    return trial;
  }

  /**
   * The sensitivity of each group with only it quantized under `recipe`, most sensitive first
   * (ties in graph order); undefined when the time budget ran out while measuring. Cached per
   * recipe and group.
   */
  async sensitivity(
    groups: readonly FallbackGroup[],
    recipe: Recipe,
  ): Promise<SensitivityEntry[] | undefined> {
    const entries: SensitivityEntry[] = [];
    for (const group of groups) {
      const key = `${recipeKey(recipe)}\0${group.label}\0${group.nodes.join("\0")}`;
      let entry = this.#sensitivity.get(key);
      if (!entry) {
        if (performance.now() >= this.#init.deadline) return undefined;
        entry = await this.#measure(group, recipe);
        this.#sensitivity.set(key, entry);
      }
      entries.push(entry);
    }
    return entries
      .map((entry, order) => ({ entry, order }))
      .sort((a, b) => b.entry.score - a.entry.score || a.order - b.order)
      .map((x) => x.entry);
  }

  /** Every sensitivity measured so far. */
  measuredSensitivity(): SensitivityEntry[] {
    return [...this.#sensitivity.values()];
  }

  async #measure(group: FallbackGroup, recipe: Recipe): Promise<SensitivityEntry> {
    const { model } = this.#quantize(recipe, [], group.nodes);
    const entry = { label: group.label, nodes: group.nodes, recipe: describeRecipe(recipe) };
    rememberBytes(model);
    try {
      if (this.#init.probe) {
        const score = await this.#init.probe.mse(model);
        return { ...entry, score, measure: "logit-mse" };
      }
      const m = await this.#evaluate(model, `sensitivity of ${group.label}`);
      const score = this.baseline.accuracy - m.accuracy + 0.001 * (1 - (m.agreement ?? 1));
      return { ...entry, score, measure: "accuracy-drop" };
    } finally {
      forgetBytes(model);
    }
  }

  async #evaluate(model: Model, where: string): Promise<TuneMetrics> {
    let metrics: TuneMetrics;
    try {
      metrics = await this.#init.evaluate(model);
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

  #quantize(
    recipe: Recipe,
    fallback: readonly string[],
    include?: readonly string[],
  ): QuantizeResult {
    const options = this.#options(recipe, fallback, include);
    if (this.approach === "dynamic") {
      return quantizeDynamic(this.#init.model, { ...options, registry: this.#init.quant.registry });
    }
    return quantizeStatic(this.#init.model, this.#rangesFor(recipe), {
      ...options,
      registry: this.#init.quant.registry,
    });
  }

  #options(
    recipe: Recipe,
    fallback: readonly string[],
    include?: readonly string[],
  ): PlainQuantOptions {
    const { registry: _registry, ...base } = this.#init.quant;
    const options: PlainQuantOptions = { ...base, perChannel: recipe.perChannel };
    if (recipe.activationSymmetric !== undefined) {
      options.activationSymmetric = recipe.activationSymmetric;
    }
    const excluded = [...(base.excludeNodes ?? []), ...fallback];
    if (excluded.length > 0) options.excludeNodes = [...new Set(excluded)];
    if (include) options.includeNodes = [...include];
    return options;
  }

  #rangesFor(recipe: Recipe): CalibrationResult {
    const calibration = this.#init.calibration!;
    const method = recipe.calibration ?? calibration.method;
    const symmetric = recipe.activationSymmetric ?? false;
    const key = `${method}\0${symmetric}`;
    let ranges = this.#ranges.get(key);
    if (!ranges) {
      ranges = method === calibration.method && symmetric === calibration.symmetric
        ? calibration
        : recalibrate(calibration, {
          method,
          symmetric,
          percentile: calibration.percentile,
          numQuantizedBins: calibration.numQuantizedBins,
        });
      this.#ranges.set(key, ranges);
    }
    return ranges;
  }

  #config(candidate: Candidate, fallbackNodes: string[]): TrialConfig {
    const config: TrialConfig = {
      approach: this.approach,
      phase: candidate.phase,
      recipe: { ...candidate.recipe },
      fallback: (candidate.fallback ?? []).map((g) => g.label),
      options: this.#options(candidate.recipe, fallbackNodes),
    };
    if (candidate.recipe.calibration === "percentile") {
      config.percentile = this.#init.calibration?.percentile;
    }
    return config;
  }
}

function fallbackOf(candidate: Candidate): string[] {
  return [...new Set((candidate.fallback ?? []).flatMap((g) => g.nodes))];
}

function candidateKey(candidate: Candidate): string {
  return `${recipeKey(candidate.recipe)}\0${fallbackOf(candidate).sort().join("\0")}`;
}

function plainMetrics(metrics: TuneMetrics): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(metrics)) {
    if (typeof value === "number") out[key] = value;
  }
  return out;
}
