/**
 * Sensitivity measures: how the tuner scores a fallback group (a block or a single op) to order
 * FP32 fallbacks, most sensitive first. One file per measure, registered with
 * {@link registerSensitivityMeasure}; `tune({ sensitivity: { measure } })` picks one by name
 * (default `"logit-mse"` when batches are at hand, else `"accuracy-drop"`).
 *
 * @module
 */

import type { Model } from "../onnx/mod.ts";
import type { CalibrationInput } from "../quant/mod.ts";
import type { SessionOptions } from "../runtime/mod.ts";
import type { FallbackGroup } from "./groups.ts";
import type { Recipe } from "./recipes.ts";
import { Registry } from "./registry.ts";
import type { OutputErrorProbe } from "./sensitivity.ts";
import type { TuneBaseline, TuneMetrics } from "./types.ts";

/** What a measure gets for one group. */
export interface SensitivityRequest {
  group: FallbackGroup;
  /** The recipe the group is measured under. */
  recipe: Recipe;
  /** The model with only `group` quantized under `recipe`. */
  model: Model;
  /** Quantizes the FP32 model under `recipe` with only `include` (or all but `exclude`). */
  quantize(nodes: { include?: readonly string[]; exclude?: readonly string[] }): Model;
  /** The FP32 model trials start from (after `fuseFirst` / `transform`). */
  fp32: Model;
  baseline: TuneBaseline;
  /** The run's evaluation function; errors name `where`. */
  evaluate(model: Model, where: string): Promise<TuneMetrics>;
  /** The sensitivity batches (`tune({ sensitivity })`, else the first calibration batches). */
  batches: readonly CalibrationInput[];
  /** The first output's error against FP32 on `batches`; built on first use, shared. */
  outputError(): Promise<OutputErrorProbe>;
  session: SessionOptions;
}

/** Scores groups; larger is more sensitive. */
export interface SensitivityMeasure {
  /** Registry name, also recorded in each `SensitivityEntry.measure`. */
  readonly name: string;
  /** One line for listings. */
  readonly description?: string;
  /** Whether it needs sensitivity batches (tune then refuses to run without them). */
  readonly needsBatches?: boolean;
  score(request: SensitivityRequest): Promise<number>;
}

/** The sensitivity measures `tune` knows by name. */
export const SENSITIVITY_MEASURES: Registry<SensitivityMeasure> = new Registry<
  SensitivityMeasure
>("sensitivity measure", [], { hint: "(or register one with registerSensitivityMeasure)" });

/**
 * Registers a sensitivity measure under its name. Throws when the name is taken.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { registerSensitivityMeasure, SENSITIVITY_MEASURES } from "./mod.ts";
 * registerSensitivityMeasure({ name: "graph-order", score: () => Promise.resolve(0) });
 * assert.deepEqual(SENSITIVITY_MEASURES.names().slice(0, 2), ["logit-mse", "accuracy-drop"]);
 * assert.ok(SENSITIVITY_MEASURES.has("graph-order"));
 * ```
 */
export function registerSensitivityMeasure(measure: SensitivityMeasure): SensitivityMeasure {
  SENSITIVITY_MEASURES.register(measure);
  return measure;
}
