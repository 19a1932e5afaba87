/**
 * The cost of fake quantization in training, as rows for `deno task bench`: one training update
 * (forward, backward, clipping, AdamW) at batch 8 × 128 tokens on the tfjs wasm backend, without
 * and with a {@link QatQuantizer} attached, and the ratio of the two; {@link qatSuite} is the
 * `qat` suite of `deno task bench`. The timing itself is the training engine's
 * (`timeTrainSteps`, shared with the `train` suite).
 *
 * @module
 */
import type { BenchSuite } from "../bench/mod.ts";
import type { HubSettings } from "../hub/mod.ts";
import type { ProgressOption } from "../progress/mod.ts";
import {
  initTf,
  loadDistilBertWeights,
  timeTrainSteps,
  TRAIN_BENCH_MODEL,
  type TrainStepRow,
  trainStepRow,
} from "../train/mod.ts";
import { QatQuantizer } from "./quantizer.ts";

/** A {@link TrainStepRow} with the update time relative to FP32. */
export interface QatBenchRow extends TrainStepRow {
  /** Median update time relative to the FP32 update (1 for the FP32 row). */
  vsFp32: number;
}

/** Options of {@link qatBenchRows}. */
export interface QatBenchOptions {
  /** Hub model (default the engine's bench stand-in). */
  modelId?: string;
  settings?: HubSettings;
  /** Timed updates per variant after one warm-up update (default 3). */
  steps?: number;
  progress?: ProgressOption;
}

/**
 * Times FP32 and QAT training updates of the same model; timings on a shared machine are noisy.
 * The FP32 model has no hooks; the QAT one has a fresh {@link QatQuantizer}'s (observers update
 * in every update, fake quantization on).
 *
 * @example
 * ```ts ignore
 * const [fp32, qat] = await qatBenchRows({ steps: 3 });
 * console.log(`fake quantization costs ×${qat.vsFp32.toFixed(2)} per update`);
 * ```
 */
export async function qatBenchRows(options: QatBenchOptions = {}): Promise<QatBenchRow[]> {
  await initTf();
  const modelId = options.modelId ?? TRAIN_BENCH_MODEL;
  const { config, weights } = await loadDistilBertWeights(modelId, {
    settings: options.settings,
    progress: options.progress,
  });
  const steps = options.steps ?? 3;
  const fp32 = trainStepRow(
    modelId,
    "train step FP32 (tfjs wasm)",
    await timeTrainSteps(config, weights, { steps }),
  );
  const qat = trainStepRow(
    modelId,
    "train step QAT fake-quant (tfjs wasm)",
    await timeTrainSteps(config, weights, { steps, hooks: new QatQuantizer().hooks }),
  );
  return [withRatio(fp32, 1), withRatio(qat, qat.medianMs / fp32.medianMs)];
}

/** `row` with `vsFp32` (placed before `threads` and `note`, as `bench.json` has always had it). */
function withRatio(row: TrainStepRow, vsFp32: number): QatBenchRow {
  const { threads, note, ...rest } = row;
  return { ...rest, vsFp32, threads, note };
}

/** Timed updates per variant of {@link qatSuite} under `--quick`. */
export const QAT_SUITE_QUICK_STEPS = 1;

/**
 * A `deno task bench` suite of {@link qatBenchRows} on the run's model (`context.modelId`), with
 * {@link QAT_SUITE_QUICK_STEPS} timed updates per variant under `--quick`; `options` (hub settings,
 * progress) apply to every run. Its measurement is the QAT/FP32 ratio of the median update times.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { qatBenchSuite } from "./bench.ts";
 * assert.equal(qatBenchSuite({ progress: false }).name, "qat");
 * ```
 */
export function qatBenchSuite(
  options: Omit<QatBenchOptions, "modelId" | "steps"> = {},
): BenchSuite {
  return {
    name: "qat",
    description: "training update with fake quantization (QAT) vs FP32 (TensorFlow.js, " +
      "WebAssembly backend)",
    async run(context) {
      const rows = await qatBenchRows({
        ...options,
        modelId: context.modelId,
        steps: context.quick ? QAT_SUITE_QUICK_STEPS : undefined,
      });
      const qat = rows[1];
      return {
        rows,
        measurements: [{ name: "fake quantization cost per update", value: qat.vsFp32, unit: "×" }],
      };
    },
  };
}

/**
 * `deno task bench`'s QAT suite: one training update (batch 8 × 128) of the run's model in FP32
 * and with fake quantization, and the cost of fake quantization as the ratio of the two.
 */
export const qatSuite: BenchSuite = qatBenchSuite();
