/**
 * A search space of model transforms: what the accuracy-driven loop (`search_loop.ts`) searches.
 * A configuration (`C`, any value a strategy proposes) is applied to the FP32 model to give a
 * candidate model; the loop evaluates it, checks the criterion and keeps the history and the
 * best. Quantization recipes with FP32 fallbacks are one space (`quantization_space.ts`);
 * per-layer pruning ratios are another.
 *
 * @module
 */

import type { Model } from "../onnx/mod.ts";
import type { SearchTrial } from "./search_loop.ts";

/** A configuration applied: the candidate model and what the trial records about it. */
export interface AppliedConfig<X extends object, A> {
  /** The candidate model (the loop encodes, evaluates and times it). */
  model: Model;
  /** Fields added to the trial (plain JSON: they go to `report.json`). */
  record: X;
  /** Kept with the best trial only (e.g. the quantization report). */
  artifact: A;
}

/** A space of model transforms. */
export interface SearchSpace<C, X extends object = Record<never, never>, A = undefined> {
  /** What the space does, in messages: `"quantization"`, `"pruning"`. */
  readonly name: string;
  /** A stable key: two configurations with the same key give the same model. */
  key(config: C): string;
  /** The configuration in a few words (error messages). */
  describe(config: C): string;
  /** The candidate model of `config`. */
  apply(config: C): AppliedConfig<X, A> | Promise<AppliedConfig<X, A>>;
  /**
   * Lower is preferred among trials that meet the criterion (e.g. nodes left in FP32, weights
   * kept); default: all equal, so the most accurate passing trial is best.
   */
  cost?(trial: SearchTrial<X>): number;
}
