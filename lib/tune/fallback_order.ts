/**
 * Accumulating FP32 fallback along an order of single ops — what the `mse`, `mse_v2` and
 * `hawq_v2` strategies share once each has ranked the ops its own way.
 *
 * @module
 */

import { type FallbackGroup, opGroups } from "./groups.ts";
import type { Recipe } from "./recipes.ts";
import type { TuneContext } from "./tune_context.ts";
import type { Trial } from "./types.ts";

/**
 * Falls back the first 1, 2, … ops of `order` (node names) under `recipe` until a trial meets the
 * criterion; returns that trial's fallback set, `"none"` when no prefix met it, or `"stop"` when
 * the budget ended or the trial satisfied the run.
 */
export async function accumulateFallback(
  ctx: TuneContext,
  options: { order: readonly string[]; recipe: Recipe; phase: string },
): Promise<{ fallback: FallbackGroup[]; trial: Trial } | "none" | "stop"> {
  const groups = opGroups(options.order);
  for (let k = 1; k < groups.length; k++) {
    const candidate = {
      phase: options.phase,
      recipe: options.recipe,
      fallback: groups.slice(0, k),
    };
    if (ctx.tried(candidate)) continue;
    const trial = await ctx.run(candidate);
    if (!trial || ctx.satisfied(trial)) return "stop";
    if (trial.met) return { fallback: groups.slice(0, k), trial };
  }
  return "none";
}
