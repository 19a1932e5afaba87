/**
 * The quantization search space: a configuration is a candidate (phase, recipe, FP32 fallback
 * groups) and applying it quantizes the FP32 model statically (ranges re-derived per recipe from
 * the calibration's histograms) or dynamically. `tune` searches this space.
 *
 * @module
 */

import type { Model } from "../onnx/mod.ts";
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
import type { FallbackGroup } from "./groups.ts";
import type { QuantTarget } from "./recipe_dimension.ts";
import { applyRecipe, describeRecipe, type Recipe, recipeKey } from "./recipes.ts";
import type { AppliedConfig, SearchSpace } from "./search_space.ts";
import type { PlainQuantOptions, Trial, TrialConfig } from "./types.ts";

/** What a strategy asks to try. */
export interface Candidate {
  /** The part of the search it belongs to (any name; the built-ins use `default`, `recipe`, …). */
  phase: string;
  recipe: Recipe;
  /** Groups left in FP32 (default none). */
  fallback?: readonly FallbackGroup[];
}

/** What a quantization trial records besides the loop's measures. */
export type QuantTrialRecord = Pick<Trial, "config" | "quantizedNodes" | "fallbackNodes">;

/** Everything a {@link QuantizationSpace} needs. */
export interface QuantizationSpaceInit {
  approach: "static" | "dynamic";
  /** The FP32 model to quantize (after `fuseFirst` / `transform`). */
  model: Model;
  /** Static: the calibration whose histograms every recipe re-derives ranges from. */
  calibration?: CalibrationResult;
  /** Base options every trial starts from (recipes override their dimensions). */
  quant: StaticQuantOptions;
  /** The recipe whose quantized nodes are the fallback choices. */
  defaultRecipe: Recipe;
}

/** The nodes of a candidate's fallback groups, without repeats. */
export function fallbackNodesOf(candidate: Candidate): string[] {
  return [...new Set((candidate.fallback ?? []).flatMap((g) => g.nodes))];
}

/** Quantization recipes × FP32 fallbacks, as a search space. */
export class QuantizationSpace implements SearchSpace<Candidate, QuantTrialRecord, QuantReport> {
  readonly name = "quantization";
  readonly approach: "static" | "dynamic";
  readonly model: Model;
  readonly #init: QuantizationSpaceInit;
  readonly #ranges = new Map<string, CalibrationResult>();
  #quantizable?: string[];

  constructor(init: QuantizationSpaceInit) {
    this.#init = init;
    this.approach = init.approach;
    this.model = init.model;
  }

  key(candidate: Candidate): string {
    return `${recipeKey(candidate.recipe)}\0${fallbackNodesOf(candidate).sort().join("\0")}`;
  }

  describe(candidate: Candidate): string {
    return `${describeRecipe(candidate.recipe)}, ${fallbackNodesOf(candidate).length} node(s) FP32`;
  }

  apply(candidate: Candidate): AppliedConfig<QuantTrialRecord, QuantReport> {
    const fallbackNodes = fallbackNodesOf(candidate);
    const result = this.quantize(candidate.recipe, { exclude: fallbackNodes });
    if (fallbackNodes.length === 0) this.#quantizable ??= quantizedNodes(result.report);
    return {
      model: result.model,
      record: {
        config: this.#config(candidate, fallbackNodes),
        quantizedNodes: result.report.counts.quantized,
        fallbackNodes,
      },
      artifact: result.report,
    };
  }

  /** Fewer nodes left in FP32 is better. */
  cost(trial: { fallbackNodes: readonly string[] }): number {
    return trial.fallbackNodes.length;
  }

  /** Nodes the base options quantize: what fallbacks choose from, in graph order. */
  quantizableNodes(): string[] {
    this.#quantizable ??= quantizedNodes(this.quantize(this.#init.defaultRecipe, {}).report);
    return this.#quantizable;
  }

  /** Quantizes the FP32 model under `recipe`, leaving out `exclude` or quantizing only `include`. */
  quantize(
    recipe: Recipe,
    nodes: { include?: readonly string[]; exclude?: readonly string[] },
  ): QuantizeResult {
    const target = this.#target(recipe, nodes.exclude ?? [], nodes.include);
    const options = { ...target.options, registry: this.#init.quant.registry };
    if (this.approach === "dynamic") return quantizeDynamic(this.model, options);
    return quantizeStatic(this.model, this.#rangesFor(target.ranges), options);
  }

  /** The quantizer options of `recipe` with `fallback` left in FP32 (plain JSON). */
  options(recipe: Recipe, fallback: readonly string[]): PlainQuantOptions {
    return this.#target(recipe, fallback).options;
  }

  #target(recipe: Recipe, fallback: readonly string[], include?: readonly string[]): QuantTarget {
    const { registry: _registry, ...base } = this.#init.quant;
    const target = applyRecipe(recipe, {
      options: { ...base },
      ranges: { method: this.#init.calibration?.method ?? "minmax", symmetric: false },
    });
    const excluded = [...(base.excludeNodes ?? []), ...fallback];
    if (excluded.length > 0) target.options.excludeNodes = [...new Set(excluded)];
    if (include) target.options.includeNodes = [...include];
    return target;
  }

  #rangesFor({ method, symmetric }: QuantTarget["ranges"]): CalibrationResult {
    const calibration = this.#init.calibration!;
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
    const target = this.#target(candidate.recipe, fallbackNodes);
    const config: TrialConfig = {
      approach: this.approach,
      phase: candidate.phase,
      recipe: { ...candidate.recipe },
      fallback: (candidate.fallback ?? []).map((g) => g.label),
      options: target.options,
    };
    if (this.approach === "static" && target.ranges.method === "percentile") {
      config.percentile = this.#init.calibration?.percentile;
    }
    return config;
  }
}
