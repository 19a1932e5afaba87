/**
 * Training speed of the engine, as rows for `deno task bench`: one update (forward, backward,
 * clipping, AdamW) at batch 8 × 128 tokens for a hub model and for full-size DistilBERT (random
 * weights) on each GEMM backend (native BLAS and WebAssembly, one after the other in the same
 * run, so their ratio holds even on a busy machine), the GFLOP/s of the engine's products on each,
 * and the time of one epoch of MRPC train with dynamic padding (estimated from the first updates,
 * or measured) on the default backend, compared with PyTorch's ≈ 2 minutes per epoch on the
 * 2-core workshop machine.
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
import { type GemmBackend, gemmInfo, selectGemm } from "./gemm.ts";
import { ENGINE_GEMM_SHAPES, type GemmTiming, timeGemm } from "./gemm_bench.ts";
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
  /** The GEMM backend the row ran on. */
  gemm?: GemmBackend;
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
  /**
   * GEMM backends to time the steps and products on, in this order (default: native, where a
   * BLAS loads, and wasm). The epoch row runs on the backend `initTf` chose.
   */
  gemm?: GemmBackend[];
  /** Timed products per GEMM shape (default 5; 0 leaves the GEMM figures out). */
  gemmReps?: number;
  progress?: ProgressOption;
}

/** What {@link trainBench} measured. */
export interface TrainBench {
  rows: TrainBenchRow[];
  /** The engine's products ({@link ENGINE_GEMM_SHAPES}) on each backend. */
  gemm: (GemmTiming & { name: string; description?: string })[];
}

/**
 * Measures training speed; see the module doc. Timings on a shared machine are noisy.
 *
 * @example
 * ```ts ignore
 * const { rows, gemm } = await trainBench({ fullSize: false, epoch: "skip" });
 * console.table(rows);
 * console.table(gemm);
 * ```
 */
export async function trainBench(options: TrainBenchOptions = {}): Promise<TrainBench> {
  await initTf();
  const chosen = gemmInfo();
  const backends = options.gemm ?? availableBackends();
  const modelId = options.modelId ?? TRAIN_BENCH_MODEL;
  const loaded = await loadDistilBertWeights(modelId, {
    settings: options.settings,
    progress: options.progress,
  });
  const rows: TrainBenchRow[] = [];
  const gemm: TrainBench["gemm"] = [];
  try {
    for (const [name, shape] of Object.entries(ENGINE_GEMM_SHAPES)) {
      if (options.gemmReps === 0) break;
      for (const backend of backends) {
        const info = selectGemm({ gemm: backend });
        const timing = timeGemm(shape, { reps: options.gemmReps ?? 5 });
        gemm.push({ name, ...timing, description: info.description });
      }
    }
    const models: [string, DistilBertConfig, () => WeightMap, number][] = [
      [modelId, loaded.config, () => loaded.weights, options.steps ?? 3],
    ];
    if (options.fullSize ?? true) {
      const full = randomDistilBertWeights(DISTILBERT_BASE, { seed: 0 });
      models.push(["distilbert-base (random)", DISTILBERT_BASE, () => full, options.steps ?? 1]);
    }
    for (const [name, config, weights, steps] of models) {
      for (const backend of backends) {
        selectGemm({ gemm: backend });
        rows.push(await stepRow(name, config, weights(), steps, backend));
      }
    }
  } finally {
    selectGemm({ gemm: chosen.backend });
  }
  const epoch = options.epoch ?? "estimate";
  if (epoch !== "skip") rows.push(await epochRow(modelId, loaded, options, epoch));
  return { rows, gemm };
}

/**
 * The rows of {@link trainBench}.
 *
 * @example
 * ```ts ignore
 * const rows = await trainBenchRows({ fullSize: false, epoch: "skip" });
 * console.table(rows);
 * ```
 */
export async function trainBenchRows(options: TrainBenchOptions = {}): Promise<TrainBenchRow[]> {
  return (await trainBench({ gemmReps: 0, ...options })).rows;
}

/** Native (where a BLAS loads) and wasm. */
function availableBackends(): GemmBackend[] {
  const chosen = gemmInfo().backend;
  try {
    selectGemm({ gemm: "native" });
    return ["native", "wasm"];
  } catch {
    return ["wasm"];
  } finally {
    selectGemm({ gemm: chosen });
  }
}

async function stepRow(
  name: string,
  config: DistilBertConfig,
  weights: WeightMap,
  steps: number,
  backend: GemmBackend,
): Promise<TrainBenchRow> {
  const row = trainStepRow(
    name,
    `train step (tfjs, ${backend} GEMM)`,
    await timeTrainSteps(config, weights, { steps }),
  );
  return { ...row, gemm: backend, note: `${row.note}; ${gemmNote()}` };
}

/** The running GEMM backend in words (with the BLAS library and its threads). */
function gemmNote(): string {
  const info = gemmInfo();
  return info.backend === "native"
    ? `GEMM: ${info.description} (${info.library}), ${info.threads} thread(s)`
    : "GEMM: WebAssembly (XNNPACK, SIMD kernel)";
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
    }, ${gemmInfo().backend} GEMM)`,
    gemm: gemmInfo().backend,
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
    ) + `; ${gemmNote()}`,
  };
}

/**
 * `deno task bench`'s training suite: tokens per second of one training step of the workshop model
 * and of full-size DistilBERT (batch 8 × 128) on each GEMM backend and the ratio of their step
 * times, the GFLOP/s of the engine's products on each backend, and the time of one epoch of MRPC
 * train on the workshop model (estimated from timed steps; PyTorch takes about two minutes here).
 */
export const trainSuite: BenchSuite = {
  name: "train",
  description:
    "training throughput (TensorFlow.js; matrix products on a native BLAS and on WebAssembly), " +
    "GEMM GFLOP/s, one MRPC epoch",
  async run(context) {
    // quick (`--quick`, WORKSHOP_QUICK=1): no full-size step, a shorter epoch estimate
    const { rows, gemm } = await trainBench({
      modelId: context.modelId,
      ...(context.quick ? { fullSize: false, steps: 1, estimateSteps: 5, gemmReps: 2 } : {}),
    });
    return { rows, measurements: trainMeasurements(rows, gemm) };
  },
};

/**
 * The suite's headline numbers from {@link trainBench}'s rows and GEMM timings.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { trainMeasurements } from "./bench.ts";
 * const row = (gemm: "native" | "wasm", medianMs: number) => ({
 *   model: "m", variant: `train step (tfjs, ${gemm} GEMM)`, gemm, batch: 8, seq: 128, medianMs,
 *   p90Ms: medianMs, p99Ms: medianMs, meanMs: medianMs, throughput: 8000 / medianMs, sizeBytes: 4,
 *   runs: 1, tokensPerSecond: 1024_000 / medianMs, threads: 2, note: "",
 * });
 * const gemm = [{ name: "feed-forward linear", batch: 1, m: 2, k: 2, n: 2, backend: "native", medianMs: 1, gflops: 9 }];
 * const measured = trainMeasurements([row("native", 500), row("wasm", 1000)], gemm);
 * const ratio = measured.find((m) => m.name === "step time native / wasm GEMM on m");
 * assert.equal(ratio?.value, 0.5);
 * assert.equal(measured.find((m) => m.unit === "GFLOP/s")?.value, 9);
 * ```
 */
export function trainMeasurements(
  rows: TrainBenchRow[],
  gemm: TrainBench["gemm"],
): Measurement[] {
  const measurements: Measurement[] = rows.map((r) => ({
    name: `training ${r.model} ${r.variant}: throughput`,
    value: r.tokensPerSecond,
    unit: "tokens/s",
  }));
  for (const model of new Set(rows.map((r) => r.model))) {
    const step = (backend: GemmBackend) =>
      rows.find((r) => r.model === model && r.gemm === backend && r.epochSeconds === undefined);
    const [native, wasm] = [step("native"), step("wasm")];
    if (native && wasm) {
      measurements.push({
        name: `step time native / wasm GEMM on ${model}`,
        value: native.medianMs / wasm.medianMs,
        unit: "×",
      });
    }
  }
  for (const g of gemm) {
    const shape = g.batch === 1
      ? `${g.m}×${g.k}·${g.k}×${g.n}`
      : `${g.batch}×${g.m}×${g.k}·${g.k}×${g.n}`;
    measurements.push({
      name: `GEMM ${g.name} ${shape} on ${g.backend}${g.description ? ` (${g.description})` : ""}`,
      value: g.gflops,
      unit: "GFLOP/s",
    });
  }
  const epoch = rows.find((r) => r.epochSeconds !== undefined);
  if (epoch?.epochSeconds !== undefined) {
    measurements.push(
      below(`one epoch of MRPC train on ${epoch.model}`, epoch.epochSeconds / 60, "min", 6),
      { name: "epoch time vs PyTorch on this machine", value: epoch.vsPyTorch ?? NaN, unit: "×" },
    );
  }
  return measurements;
}
