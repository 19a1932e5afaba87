/**
 * The `random` strategy: the default config first, then configurations drawn with a seeded
 * generator from the same space as `basic` — a recipe (one value per dimension) and a fallback
 * set (none in a quarter of draws, else one to three blocks or single ops) — never repeating
 * one, until a trial meets the criterion, the budget ends, or 200 draws in a row give nothing
 * new.
 *
 * @module
 */

import type { FallbackGroup } from "./groups.ts";
import type { Candidate } from "./quantization_space.ts";
import { pruneRecipe, type Recipe } from "./recipes.ts";
import { registerStrategy, type TuneStrategy } from "./strategy.ts";
import type { TuneContext } from "./tune_context.ts";

/** Draws without anything new before the space counts as exhausted. */
const MAX_REDRAWS = 200;

/** The `random` strategy (registered as `"random"`). */
export const randomStrategy: TuneStrategy = registerStrategy({
  name: "random",
  description: "the default, then seeded random recipes and fallback sets, never repeated",
  async run(ctx) {
    const first = await ctx.run({ phase: "default", recipe: ctx.defaultRecipe });
    if (!first || ctx.satisfied(first)) return;
    const blocks = ctx.blocks();
    const ops = ctx.ops();
    for (;;) {
      let candidate: Candidate | undefined;
      for (let i = 0; i < MAX_REDRAWS && !candidate; i++) {
        const drawn = draw(ctx, blocks, ops);
        if (!ctx.tried(drawn)) candidate = drawn;
      }
      if (!candidate) return;
      const trial = await ctx.run(candidate);
      if (!trial || ctx.satisfied(trial)) return;
    }
  },
});

function draw(ctx: TuneContext, blocks: FallbackGroup[], ops: FallbackGroup[]): Candidate {
  const { rng, space } = ctx;
  const drawn: Record<string, unknown> = {};
  for (const { name } of ctx.dimensions) {
    if (space[name].length > 0) drawn[name] = rng.pick(space[name]);
  }
  const recipe: Recipe = pruneRecipe(drawn as Recipe);
  const useFallback = rng.next() >= 0.25;
  const units = blocks.length > 1 && rng.next() < 0.5 ? blocks : ops;
  if (!useFallback || units.length < 2) return { phase: "random", recipe };
  const k = 1 + rng.int(Math.min(3, units.length - 1));
  const picked = new Set(rng.sample(units, k));
  return { phase: "random", recipe, fallback: units.filter((u) => picked.has(u)) };
}
