/**
 * Training speed of the engine, as rows for `deno task bench`: one update (forward, backward,
 * clipping, AdamW) at batch 8 × 128 tokens for a hub model and for full-size DistilBERT (random
 * weights), and the time of one epoch of MRPC train with dynamic padding (estimated from the
 * first updates, or measured), compared with PyTorch's ≈ 2 minutes per epoch on the 2-core
 * workshop machine.
 *
 * @module
 */
import { below, type BenchSuite, type Measurement } from "../bench/suite.ts";
import { latencyStats } from "../bench/stats.ts";
import { prepareMrpc } from "../data/prepare.ts";
import type { HubSettings } from "../hub/mod.ts";
import { DISTILBERT_BASE, type DistilBertConfig } from "../model/config.ts";
import { randomDistilBertWeights } from "../model/random.ts";
import type { WeightMap } from "../model/weights.ts";
import type { ProgressOption } from "../progress/mod.ts";
import { initTf, tfBackendInfo } from "./backend.ts";
import { loadDistilBertWeights } from "./load.ts";
import {
  benchNote,
  benchTraining,
  timeTrainSteps,
  type TrainStepRow,
  trainStepRow,
} from "./step_bench.ts";

/** The stand-in the bench trains unless told otherwise. */
export const TRAIN_BENCH_MODEL = "standin/distilbert-mini-uncased-mrpc";

/** PyTorch's time for one epoch of MRPC train on the 2-core workshop machine (issue figure). */
export const PYTORCH_EPOCH_SECONDS = 120;

/** A {@link TrainStepRow}, or the MRPC epoch row with its epoch figures. */
export interface TrainBenchRow extends TrainStepRow {
  /** For the epoch row: seconds for one epoch of MRPC train. */
  epochSeconds?: number;
  /** For the epoch row: `epochSeconds / PYTORCH_EPOCH_SECONDS`. */
  vsPyTorch?: number;
}

/** Options of {@link trainBenchRows}. */
export interface TrainBenchOptions {
  /** Hub model to train (default {@link TRAIN_BENCH_MODEL}). */
  modelId?: string;
  settings?: HubSettings;
  /** Timed updates per model after one warm-up update (default 3; full size: 1). */
  steps?: number;
  /** Include full-size DistilBERT (66M parameters; about a minute). Default true. */
  fullSize?: boolean;
  /**
   * The MRPC epoch row: `"estimate"` (default) times `estimateSteps` updates and scales to the
   * epoch, `"measure"` trains a whole epoch, `"skip"` leaves it out.
   */
  epoch?: "estimate" | "measure" | "skip";
  /** Updates timed for the estimate (default 20). */
  estimateSteps?: number;
  /** Batch size of the epoch (default 16). */
  epochBatchSize?: number;
  progress?: ProgressOption;
}

/**
 * Measures training speed; see the module doc. Timings on a shared machine are noisy.
 *
 * @example
 * ```ts ignore
 * const rows = await trainBenchRows({ fullSize: false, epoch: "skip" });
 * console.table(rows);
 * ```
 */
export async function trainBenchRows(options: TrainBenchOptions = {}): Promise<TrainBenchRow[]> {
  await initTf();
  const modelId = options.modelId ?? TRAIN_BENCH_MODEL;
  const loaded = await loadDistilBertWeights(modelId, {
    settings: options.settings,
    progress: options.progress,
  });
  const rows: TrainBenchRow[] = [];
  rows.push(await stepRow(modelId, loaded.config, loaded.weights, options.steps ?? 3));
  if (options.fullSize ?? true) {
    const weights = randomDistilBertWeights(DISTILBERT_BASE, { seed: 0 });
    rows.push(
      await stepRow("distilbert-base (random)", DISTILBERT_BASE, weights, options.steps ?? 1),
    );
  }
  const epoch = options.epoch ?? "estimate";
  if (epoch !== "skip") rows.push(await epochRow(modelId, loaded, options, epoch));
  return rows;
}

async function stepRow(
  name: string,
  config: DistilBertConfig,
  weights: WeightMap,
  steps: number,
): Promise<TrainBenchRow> {
  return trainStepRow(
    name,
    "train step (tfjs wasm)",
    await timeTrainSteps(config, weights, { steps }),
  );
}

async function epochRow(
  modelId: string,
  loaded: { config: DistilBertConfig; weights: WeightMap },
  options: TrainBenchOptions,
  mode: "estimate" | "measure",
): Promise<TrainBenchRow> {
  const batchSize = options.epochBatchSize ?? 16;
  const prepared = await prepareMrpc("train", {
    modelId,
    settings: options.settings,
    batchSize,
    progress: options.progress,
  });
  const examples = {
    encoded: prepared.encoded,
    labels: prepared.rows.map((r) => r.label),
    padTokenId: prepared.tokenizer.padTokenId,
  };
  const estimateSteps = options.estimateSteps ?? 20;
  const result = await benchTraining(loaded.config, loaded.weights, examples, {
    batchSize,
    maxSteps: mode === "estimate" ? estimateSteps + 1 : undefined,
    progress: mode === "measure" ? options.progress : false,
  });
  const timed = mode === "estimate" ? result.history.slice(1) : result.history;
  const ms = timed.map((r) => r.ms);
  const stats = latencyStats(ms);
  const tokens = timed.reduce((n, r) => n + r.tokens, 0);
  const seconds = ms.reduce((a, b) => a + b, 0) / 1000;
  const epochSeconds = mode === "estimate" ? (stats.meanMs * result.stepsPerEpoch) / 1000 : seconds;
  const meanSeq = timed.reduce((n, r) => n + r.paddedTokens, 0) /
    timed.reduce((n, r) => n + r.rows, 0);
  return {
    model: modelId,
    variant: `MRPC train epoch (${
      mode === "estimate" ? `estimated from ${ms.length} updates` : "measured"
    })`,
    batch: batchSize,
    seq: Math.round(meanSeq),
    medianMs: stats.medianMs,
    p90Ms: stats.p90Ms,
    p99Ms: stats.p99Ms,
    meanMs: stats.meanMs,
    throughput: (batchSize * 1000) / stats.meanMs,
    sizeBytes: [...loaded.weights.values()].reduce((n, t) => n + t.data.length, 0) * 4,
    runs: stats.count,
    tokensPerSecond: tokens / seconds,
    threads: tfBackendInfo().threads,
    epochSeconds,
    vsPyTorch: epochSeconds / PYTORCH_EPOCH_SECONDS,
    note: benchNote(
      `${result.stepsPerEpoch} updates of ${batchSize} rows per epoch, dynamic padding; seq is the ` +
        `mean padded length`,
    ),
  };
}

/**
 * `deno task bench`'s training suite: tokens per second of one training step of the workshop model
 * and of full-size DistilBERT (batch 8 × 128), and the time of one epoch of MRPC train on the
 * workshop model (estimated from timed steps; PyTorch takes about two minutes here).
 */
export const trainSuite: BenchSuite = {
  name: "train",
  description: "training throughput (TensorFlow.js, WebAssembly backend) and one MRPC epoch",
  async run(context) {
    // quick (`--quick`, WORKSHOP_QUICK=1): no full-size step, a shorter epoch estimate
    const rows = await trainBenchRows({
      modelId: context.modelId,
      ...(context.quick ? { fullSize: false, steps: 1, estimateSteps: 5 } : {}),
    });
    const epoch = rows.find((r) => r.epochSeconds !== undefined);
    const measurements: Measurement[] = rows.map((r) => ({
      name: `training ${r.model} ${r.variant}: throughput`,
      value: r.tokensPerSecond,
      unit: "tokens/s",
    }));
    if (epoch?.epochSeconds !== undefined) {
      measurements.push(
        below(`one epoch of MRPC train on ${epoch.model}`, epoch.epochSeconds / 60, "min", 6),
        { name: "epoch time vs PyTorch on this machine", value: epoch.vsPyTorch ?? NaN, unit: "×" },
      );
    }
    return { rows, measurements };
  },
};
