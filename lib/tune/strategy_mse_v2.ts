/**
 * The `mse_v2` strategy (Intel Neural Compressor's `mse_v2`): from the fully quantized model,
 * fall back one op at a time and measure what it recovers — the logit error vs FP32 of the fully
 * quantized model minus that of the model with only this op in FP32, on the sensitivity batches
 * (no trial: a measurement). Ops fall back in order of recovery, largest first, accumulating
 * until the criterion holds; then the ops of that set are re-quantized one at a time, least
 * recovery first, keeping each re-quantization that still meets the criterion.
 *
 * @module
 */

import { accumulateFallback } from "./fallback_order.ts";
import { opGroups } from "./groups.ts";
import { registerStrategy, type TuneStrategy } from "./strategy.ts";
import type { TuneContext } from "./tune_context.ts";

/** What falling back each op alone recovers of the logit error, in `quantizableNodes` order. */
export async function recoveries(
  ctx: TuneContext,
): Promise<{ node: string; recovery: number }[] | undefined> {
  const probe = await ctx.outputError();
  const nodes = ctx.quantizableNodes();
  const full = await probe.mse(ctx.quantize(ctx.defaultRecipe, {}));
  const out: { node: string; recovery: number }[] = [];
  for (const node of nodes) {
    if (ctx.loop.expired) return undefined;
    const error = await probe.mse(ctx.quantize(ctx.defaultRecipe, { exclude: [node] }));
    out.push({ node, recovery: full - error });
  }
  return out;
}

/** The `mse_v2` strategy (registered as `"mse_v2"`). */
export const mseV2Strategy: TuneStrategy = registerStrategy({
  name: "mse_v2",
  description: "fall back ops by the logit error each recovers, then re-quantize those not needed",
  async run(ctx: TuneContext) {
    const recipe = ctx.defaultRecipe;
    const first = await ctx.run({ phase: "default", recipe });
    if (!first || ctx.satisfied(first)) return;
    const measured = await recoveries(ctx);
    if (!measured) return;
    const ranked = [...measured].sort((a, b) => b.recovery - a.recovery);
    const order = ranked.map((r) => r.node);
    const met = await accumulateFallback(ctx, { order, recipe, phase: "mse_v2-fallback" });
    if (met === "stop" || met === "none") return;
    let fallback = met.fallback.map((g) => g.label);
    // Re-quantize: least recovery first.
    for (const node of [...fallback].reverse()) {
      if (fallback.length <= 1) break;
      const without = fallback.filter((n) => n !== node);
      const trial = await ctx.run({
        phase: "mse_v2-requantize",
        recipe,
        fallback: opGroups(without),
      });
      if (!trial) return;
      if (trial.met) fallback = without;
    }
  },
});
