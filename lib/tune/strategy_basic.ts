/**
 * The `basic` strategy, Intel Neural Compressor's default, in four phases:
 *
 * 1. the default config for the whole model;
 * 2. recipe variants, one dimension at a time (calibration method, per-channel, symmetric
 *    activations), keeping the best value of each dimension before varying the next;
 * 3. fallback to FP32 by block (transformer layer, embeddings, head), the most sensitive block
 *    first (measured: logit error with only that block quantized), accumulating blocks until the
 *    criterion holds. The first step is tried with the best recipe of phase 2 and, when it
 *    differs, with the default recipe, and accumulation goes on with the one that did better: a
 *    recipe that wins on the unfallen model by repairing one broken op locally (entropy
 *    calibration clipping an outlier) may lose everywhere else once that op is FP32;
 * 4. fallback by single op ordered by measured sensitivity, accumulating ops until the criterion
 *    holds — within the blocks phase 3 needed (to give back as few ops as possible), or over the
 *    whole model when no block fallback met the criterion.
 *
 * It stops at the first trial that meets the criterion, except that a block fallback that meets
 * it is refined by phase 4.
 *
 * @module
 */

import type { FallbackGroup } from "./groups.ts";
import type { Candidate } from "./quantization_space.ts";
import { type Recipe, recipeDimensions, recipeKey } from "./recipes.ts";
import { registerStrategy, type TuneStrategy } from "./strategy.ts";
import { compareTrials, type TuneContext } from "./tune_context.ts";
import type { Trial } from "./types.ts";

/** The `basic` strategy (registered as `"basic"`). */
export const basicStrategy: TuneStrategy = registerStrategy({
  name: "basic",
  description: "default, then recipes, then FP32 fallback by block and by op, most sensitive first",
  async run(ctx) {
    const first = await ctx.run({ phase: "default", recipe: ctx.defaultRecipe });
    if (!first || ctx.satisfied(first)) return;
    const tuned = await tuneRecipe(ctx, first);
    if (!tuned) return;
    const blocks = await blockFallback(ctx, [tuned.recipe, ctx.defaultRecipe]);
    if (blocks === "stop") return;
    await opFallback(ctx, blocks.recipe, blocks.met);
  },
});

/** Phase 2; the best recipe, or undefined when a trial met the criterion or the budget ended. */
async function tuneRecipe(
  ctx: TuneContext,
  first: Trial,
): Promise<{ recipe: Recipe; trial: Trial } | undefined> {
  let best = { recipe: ctx.defaultRecipe, trial: first };
  for (const dimension of recipeDimensions(ctx.space)) {
    for (const value of ctx.space[dimension]) {
      const recipe = { ...best.recipe, [dimension]: value } as Recipe;
      const candidate: Candidate = { phase: "recipe", recipe };
      if (ctx.tried(candidate)) continue;
      const trial = await ctx.run(candidate);
      if (!trial || ctx.satisfied(trial)) return undefined;
      if (compareTrials(trial, best.trial) < 0) best = { recipe, trial };
    }
  }
  return best;
}

/**
 * Phase 3, with the first of `recipes` that does better on the first block fallback: the recipe
 * and the blocks whose fallback met the criterion (`"none"` when no block fallback did), or
 * `"stop"` when the budget ended.
 */
async function blockFallback(
  ctx: TuneContext,
  recipes: Recipe[],
): Promise<{ recipe: Recipe; met: FallbackGroup[] | "none" } | "stop"> {
  const blocks = ctx.blocks();
  if (blocks.length < 2) return { recipe: recipes[0], met: "none" };
  let chosen: { recipe: Recipe; order: FallbackGroup[]; trial: Trial } | undefined;
  for (const recipe of uniqueRecipes(recipes)) {
    const ranked = await ctx.sensitivity(blocks, recipe);
    if (!ranked) return "stop";
    const order = ranked.map((e) => blocks.find((b) => b.label === e.label)!);
    const trial = await ctx.run({ phase: "block-fallback", recipe, fallback: order.slice(0, 1) });
    if (!trial) return "stop";
    if (trial.met) return { recipe, met: order.slice(0, 1) };
    if (!chosen || compareTrials(trial, chosen.trial) < 0) chosen = { recipe, order, trial };
  }
  const { recipe, order } = chosen!;
  for (let k = 2; k < order.length; k++) {
    const fallback = order.slice(0, k);
    const trial = await ctx.run({ phase: "block-fallback", recipe, fallback });
    if (!trial) return "stop";
    if (trial.met) return { recipe, met: fallback };
  }
  return { recipe, met: "none" };
}

function uniqueRecipes(recipes: Recipe[]): Recipe[] {
  const seen = new Set<string>();
  return recipes.filter((r) => {
    const key = recipeKey(r);
    return !seen.has(key) && seen.add(key);
  });
}

/** Phase 4. */
async function opFallback(
  ctx: TuneContext,
  recipe: Recipe,
  blocks: FallbackGroup[] | "none",
): Promise<void> {
  const scope = blocks === "none"
    ? ctx.ops()
    : ctx.ops().filter((op) => blocks.some((b) => b.nodes.includes(op.label)));
  const ranked = await ctx.sensitivity(scope, recipe);
  if (!ranked) return;
  const order = ranked.map((e) => scope.find((op) => op.label === e.label)!);
  // Falling back the whole scope is the block trial already run (or the FP32 model).
  for (let k = 1; k < order.length; k++) {
    const candidate: Candidate = { phase: "op-fallback", recipe, fallback: order.slice(0, k) };
    if (ctx.tried(candidate)) continue;
    const trial = await ctx.run(candidate);
    if (!trial || ctx.satisfied(trial)) return;
  }
}
