/**
 * What keeping masks costs in fine-tuning, as rows for `deno task bench`: one training update
 * (forward, backward, clipping, AdamW) at batch 8 × 128 tokens of the dense model, and of the same
 * model with 50% unstructured magnitude masks kept by {@link patternLock} (gradients of pruned
 * weights zeroed, masks re-applied after every update), and the ratio of the two.
 * {@link pruneStepSuite} is the `prune-step` suite of `deno task bench`.
 *
 * @module
 */
import type { BenchSuite } from "../bench/suite.ts";
import type { HubSettings } from "../hub/mod.ts";
import type { ProgressOption } from "../progress/mod.ts";
import { initTf } from "../train/backend.ts";
import { TRAIN_BENCH_MODEL } from "../train/bench.ts";
import { loadDistilBertWeights } from "../train/load.ts";
import { timeTrainSteps, type TrainStepRow, trainStepRow } from "../train/step_bench.ts";
import { patternLock } from "./mask_keeper.ts";
import { oneShotMasks } from "./workflow.ts";

/** A {@link TrainStepRow} with the update time relative to the dense update. */
export interface MaskedStepRow extends TrainStepRow {
  /** Update time relative to the dense update (1 for the dense row). */
  vsDense: number;
}

/** Options of {@link maskedStepBenchRows}. */
export interface MaskedStepBenchOptions {
  /** Hub model (default the training engine's bench stand-in). */
  modelId?: string;
  settings?: HubSettings;
  /** Timed updates per measurement after one warm-up update (default 3). */
  steps?: number;
  /** Sparsity of the kept masks (default 0.5). */
  sparsity?: number;
  progress?: ProgressOption;
}

/**
 * Times dense and masked training updates of the same model in the order dense, masked, masked,
 * dense, so a drift of the machine's load weighs on both alike; the ratio is of the summed
 * medians. Timings on a shared machine are noisy.
 *
 * @example
 * ```ts ignore
 * const [dense, masked] = await maskedStepBenchRows({ steps: 3 });
 * console.log(`keeping masks costs ×${masked.vsDense.toFixed(2)} per update`);
 * ```
 */
export async function maskedStepBenchRows(
  options: MaskedStepBenchOptions = {},
): Promise<MaskedStepRow[]> {
  await initTf();
  const modelId = options.modelId ?? TRAIN_BENCH_MODEL;
  const { config, weights } = await loadDistilBertWeights(modelId, {
    settings: options.settings,
    progress: options.progress,
  });
  const sparsity = options.sparsity ?? 0.5;
  const masks = oneShotMasks(config, weights, {
    targets: [{ pattern: "unstructured", sparsity }],
  });
  const steps = options.steps ?? 3;
  const dense = () => timeTrainSteps(config, weights, { steps });
  const masked = () => timeTrainSteps(config, weights, { steps, extensions: [patternLock(masks)] });
  const [d1, m1, m2, d2] = [await dense(), await masked(), await masked(), await dense()];
  const ratio = (m1.stats.medianMs + m2.stats.medianMs) / (d1.stats.medianMs + d2.stats.medianMs);
  const denseRow = trainStepRow(modelId, "train step dense (tfjs)", d1);
  const maskedRow = trainStepRow(
    modelId,
    `train step ${Math.round(sparsity * 100)}% unstructured, masks kept (tfjs)`,
    m1,
  );
  return [{ ...denseRow, vsDense: 1 }, { ...maskedRow, vsDense: ratio }];
}

/**
 * `deno task bench`'s `prune-step` suite: {@link maskedStepBenchRows} on the run's model (one
 * timed update per measurement under `--quick`); its measurement is the masked/dense ratio.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pruneStepSuite } from "./mask_step_bench.ts";
 * assert.equal(pruneStepSuite.name, "prune-step");
 * ```
 */
export const pruneStepSuite: BenchSuite = {
  name: "prune-step",
  description: "fine-tuning update with pruning masks kept vs dense (TensorFlow.js)",
  needsModel: true,
  async run(context) {
    const rows = await maskedStepBenchRows({
      modelId: context.modelId,
      steps: context.quick ? 1 : undefined,
    });
    return {
      rows,
      measurements: [{ name: "mask keeping cost per update", value: rows[1].vsDense, unit: "×" }],
    };
  },
};
