/**
 * The quantization tune run as strategies see it: the generic {@link SearchLoop} (trials,
 * history, best, budget) over the {@link QuantizationSpace}, with what quantization strategies
 * need on top — the recipe space, the fallback groups, and the sensitivity of groups measured on
 * demand by the chosen {@link SensitivityMeasure}.
 *
 * @module
 */

import type { Model } from "../onnx/mod.ts";
import type { CalibrationInput, QuantReport } from "../quant/mod.ts";
import type { Rng } from "../random/mod.ts";
import type { SessionOptions } from "../runtime/mod.ts";
import { forgetBytes, rememberBytes } from "./encoded.ts";
import { blockGroups, type FallbackGroup, type GroupBy, opGroups } from "./groups.ts";
import type { Candidate, QuantizationSpace, QuantTrialRecord } from "./quantization_space.ts";
import type { RecipeDimension } from "./recipe_dimension.ts";
import { describeRecipe, type Recipe, recipeKey, type RecipeSpace } from "./recipes.ts";
import { rankByCost, type SearchLoop } from "./search_loop.ts";
import { type OutputErrorProbe, outputErrorProbe, type SensitivityEntry } from "./sensitivity.ts";
import type { SensitivityMeasure } from "./sensitivity_measure.ts";
import type { StopReason, Trial, TuneBaseline } from "./types.ts";

/**
 * Orders trials best first: trials that meet the criterion before those that do not; among
 * those that meet it, fewer FP32 fallback nodes (more INT8) first, then higher accuracy; among
 * the others, higher accuracy, then higher agreement, then fewer fallbacks; then earlier.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compareTrials } from "./tune_context.ts";
 * const t = (index: number, accuracy: number, met: boolean, fallback: number) =>
 *   ({ index, accuracy, met, fallbackNodes: new Array(fallback).fill("n") }) as never;
 * const sorted = [t(0, 0.9, false, 0), t(1, 0.99, true, 3), t(2, 0.995, true, 1)].sort(compareTrials);
 * assert.deepEqual(sorted.map((x: { index: number }) => x.index), [2, 1, 0]);
 * ```
 */
export const compareTrials: (a: Trial, b: Trial) => number = rankByCost((t: Trial) =>
  t.fallbackNodes.length
);

/** Everything a {@link TuneContext} needs besides the loop; `tune` assembles it. */
export interface TuneContextInit {
  space: QuantizationSpace;
  recipes: RecipeSpace;
  /** The recipe dimensions of the run, in tuning order. */
  dimensions: readonly RecipeDimension[];
  defaultRecipe: Recipe;
  groupBy: GroupBy;
  /** How groups are scored for fallback order. */
  measure: SensitivityMeasure;
  /** Batches sensitivity is measured on (may be empty). */
  sensitivityBatches: readonly CalibrationInput[];
  session?: SessionOptions;
}

/** One quantization tune run, as strategies see it. */
export class TuneContext {
  /** The generic loop underneath (history, best, budget, evaluation). */
  readonly loop: SearchLoop<Candidate, QuantTrialRecord, QuantReport>;
  readonly approach: "static" | "dynamic";
  /** The recipe values to try, per dimension. */
  readonly space: RecipeSpace;
  /** The recipe dimensions of the run, in tuning order. */
  readonly dimensions: readonly RecipeDimension[];
  readonly defaultRecipe: Recipe;
  readonly baseline: TuneBaseline;
  /** The lowest accuracy that meets the criterion. */
  readonly threshold: number;
  readonly rng: Rng;
  readonly #init: TuneContextInit;
  readonly #sensitivity = new Map<string, SensitivityEntry>();
  #probe?: Promise<OutputErrorProbe>;

  constructor(loop: SearchLoop<Candidate, QuantTrialRecord, QuantReport>, init: TuneContextInit) {
    this.loop = loop;
    this.#init = init;
    this.approach = init.space.approach;
    this.space = init.recipes;
    this.dimensions = init.dimensions;
    this.defaultRecipe = init.defaultRecipe;
    this.baseline = loop.baseline;
    this.threshold = loop.threshold;
    this.rng = loop.rng;
  }

  /** Trials so far, in order. */
  get history(): readonly Trial[] {
    return this.loop.history;
  }

  /** The best trial so far with its model and quantization report (see {@link compareTrials}). */
  get best(): { trial: Trial; model: Model; report: QuantReport } | undefined {
    const best = this.loop.best;
    return best && { trial: best.trial, model: best.model, report: best.artifact };
  }

  /** Why no further trial may start, or undefined while the budget lasts. */
  get stopReason(): StopReason | undefined {
    return this.loop.stopReason;
  }

  /** Nodes the base options quantize: what fallbacks choose from, in graph order. */
  quantizableNodes(): string[] {
    return this.#init.space.quantizableNodes();
  }

  /** The quantizable nodes grouped by block (`groupBy`). */
  blocks(): FallbackGroup[] {
    return blockGroups(this.quantizableNodes(), this.#init.groupBy);
  }

  /** One group per quantizable node. */
  ops(): FallbackGroup[] {
    return opGroups(this.quantizableNodes());
  }

  /** Whether `trial` ends the search (see `SearchLoop.satisfied`). */
  satisfied(trial: Trial): boolean {
    return this.loop.satisfied(trial);
  }

  /** The FP32 model trials quantize (after `fuseFirst` / `transform`). */
  get model(): Model {
    return this.#init.space.model;
  }

  /** The batches sensitivity is measured on (may be empty). */
  get sensitivityBatches(): readonly CalibrationInput[] {
    return this.#init.sensitivityBatches;
  }

  /** Measures a model's first output against FP32's on the sensitivity batches (cached probe). */
  outputError(): Promise<OutputErrorProbe> {
    return this.#probe ??= outputErrorProbe(
      this.#init.space.model,
      this.#init.sensitivityBatches,
      this.#init.session,
    );
  }

  /** Quantizes the FP32 model under `recipe`, leaving out `exclude` or quantizing only `include`. */
  quantize(
    recipe: Recipe,
    nodes: { include?: readonly string[]; exclude?: readonly string[] },
  ): Model {
    return this.#init.space.quantize(recipe, nodes).model;
  }

  /** Whether a candidate with the same recipe and fallback nodes already ran. */
  tried(candidate: Candidate): boolean {
    return this.loop.tried(candidate);
  }

  /**
   * Runs a candidate as the next trial and returns it, or undefined when the budget is spent
   * (nothing ran). Errors of quantization or evaluation are raised as `TuneError`s naming the
   * trial.
   */
  run(candidate: Candidate): Promise<Trial | undefined> {
    return this.loop.run(candidate.phase, candidate);
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
        if (this.loop.expired) return undefined;
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
    const space = this.#init.space;
    const { model } = space.quantize(recipe, { include: group.nodes });
    const measure = this.#init.measure;
    rememberBytes(model);
    try {
      const score = await measure.score({
        group,
        recipe,
        model,
        quantize: (nodes) => space.quantize(recipe, nodes).model,
        fp32: space.model,
        baseline: this.baseline,
        evaluate: (m, where) => this.loop.evaluate(m, where),
        batches: this.#init.sensitivityBatches,
        outputError: () => this.outputError(),
        session: this.#init.session ?? {},
      });
      return {
        label: group.label,
        nodes: group.nodes,
        recipe: describeRecipe(recipe),
        score,
        measure: measure.name,
      };
    } finally {
      forgetBytes(model);
    }
  }
}
