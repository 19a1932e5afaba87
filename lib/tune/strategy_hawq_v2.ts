/**
 * The `hawq_v2` strategy (HAWQ-V2, Dong et al., 2020; Intel Neural Compressor's `hawq_v2`): the
 * default configuration first; then each quantizable Linear is scored by its mean Hessian trace
 * (Hutchinson's method on the TensorFlow.js engine, `hessian_trace.ts`) × its weight's INT8
 * perturbation ‖Q(W) − W‖², and Linears fall back to FP32 in order of that score, largest first,
 * accumulating until the criterion holds. Quantizable ops that are not Linears of a state dict
 * come last. The model must be a DistilBERT the kit built (its `config` metadata and state-dict
 * initializer names). The score sees weights only: activation outliers (the outlier twin's) do
 * not raise it.
 *
 * @module
 */

import { distilBertWeightsFromGraph, parseDistilBertConfig } from "../model/mod.ts";
import { findLinears } from "../onnx/mod.ts";
import type { TokenBatch } from "../runtime/mod.ts";
import { TuneOptionsError } from "./errors.ts";
import { accumulateFallback } from "./fallback_order.ts";
import { hessianTraces, weightQuantizationError } from "./hessian_trace.ts";
import { registerStrategy, type TuneStrategy } from "./strategy.ts";
import type { TuneContext } from "./tune_context.ts";

/** Quantizable nodes by Hessian trace × weight perturbation, largest first, with the scores. */
export async function hawqOrder(
  ctx: TuneContext,
  options: { samples?: number; batches?: number } = {},
): Promise<{ node: string; score: number }[]> {
  const text = ctx.model.metadata?.config;
  if (!text) {
    throw new TuneOptionsError(
      "hawq_v2 needs a DistilBERT built by the kit (metadata `config`); use buildDistilBertGraph " +
        "or loadDistilBert, or another strategy.",
    );
  }
  const config = parseDistilBertConfig(text, "the model's config metadata");
  const weights = distilBertWeightsFromGraph(ctx.model, config);
  const nodes = ctx.quantizableNodes();
  const linears = findLinears(ctx.model.graph)
    .filter((l) => l.name && nodes.includes(l.node.name) && weights.has(`${l.name}.weight`));
  const batches = ctx.sensitivityBatches
    .filter((b): b is TokenBatch => typeof (b as TokenBatch).seqLen === "number")
    .slice(0, options.batches ?? 2);
  if (batches.length === 0) {
    throw new TuneOptionsError(
      "hawq_v2 needs token batches: pass calibration batches or sensitivity: { batches }.",
    );
  }
  const names = linears.map((l) => `${l.name}.weight`);
  const traces = await hessianTraces({
    config,
    weights,
    names,
    batches,
    samples: options.samples ?? 2,
    seed: ctx.loop.rng.int(2 ** 31),
    stop: () => ctx.loop.expired,
  });
  const perChannel = ctx.defaultRecipe.perChannel !== false;
  const scored = linears.map((l) => {
    const w = weights.get(`${l.name}.weight`)!;
    const score = traces.get(`${l.name}.weight`)! *
      weightQuantizationError(w.data, w.shape, perChannel);
    return { node: l.node.name, score };
  }).sort((a, b) => b.score - a.score);
  const rest = nodes.filter((n) => !scored.some((s) => s.node === n));
  return [...scored, ...rest.map((node) => ({ node, score: 0 }))];
}

/** The `hawq_v2` strategy (registered as `"hawq_v2"`). */
export const hawqV2Strategy: TuneStrategy = registerStrategy({
  name: "hawq_v2",
  description: "the default, then FP32 fallback by Hessian trace × weight perturbation",
  async run(ctx) {
    const first = await ctx.run({ phase: "default", recipe: ctx.defaultRecipe });
    if (!first || ctx.satisfied(first)) return;
    if (ctx.loop.expired) return;
    const order = (await hawqOrder(ctx)).map((s) => s.node);
    await accumulateFallback(ctx, { order, recipe: ctx.defaultRecipe, phase: "hawq-fallback" });
  },
});
