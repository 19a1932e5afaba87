/**
 * The `mse` strategy (Intel Neural Compressor's `mse`): the default configuration first; when it
 * fails, each quantizable op's own output, with only that op quantized, is compared with FP32's
 * on the sensitivity batches (`op_output_error.ts`), and ops fall back to FP32 in order of that
 * relative error, largest first, accumulating until the criterion holds.
 *
 * @module
 */

import { accumulateFallback } from "./fallback_order.ts";
import { opOutputErrors } from "./op_output_error.ts";
import { registerStrategy, type TuneStrategy } from "./strategy.ts";
import type { TuneContext } from "./tune_context.ts";

/** Quantizable nodes by their own output error (each quantized alone), largest first. */
export async function mseOrder(ctx: TuneContext): Promise<string[]> {
  const nodes = ctx.quantizableNodes();
  const errors = await opOutputErrors({
    fp32: ctx.model,
    quantizeOnly: (node) => ctx.quantize(ctx.defaultRecipe, { include: [node] }),
    nodes,
    inputs: ctx.sensitivityBatches,
    stop: () => ctx.loop.expired,
  });
  return [...nodes].sort((a, b) => (errors.get(b) ?? Infinity) - (errors.get(a) ?? Infinity));
}

/** The `mse` strategy (registered as `"mse"`). */
export const mseStrategy: TuneStrategy = registerStrategy({
  name: "mse",
  description: "the default, then FP32 fallback of ops by their own output error, largest first",
  async run(ctx) {
    const first = await ctx.run({ phase: "default", recipe: ctx.defaultRecipe });
    if (!first || ctx.satisfied(first)) return;
    if (ctx.loop.expired) return;
    const order = await mseOrder(ctx);
    await accumulateFallback(ctx, { order, recipe: ctx.defaultRecipe, phase: "mse-fallback" });
  },
});
