/**
 * Timing of training updates, shared by `deno task bench`'s training suites (`train`, `qat`): one
 * warm-up update, then N timed updates (forward, backward, clipping, AdamW) on full-length rows
 * `[CLS] … [SEP]` of random words — by default batch 8 × 128 tokens — summarised as median/p90
 * latency and tokens per second, and turned into a bench row with a note of the machine's load.
 * It lives in `lib/train` (not `lib/bench`) because it runs the tfjs engine.
 *
 * @module
 */
import { type BenchRow, benchRow } from "../bench/model_bench.ts";
import { type LatencyStats, latencyStats } from "../bench/stats.ts";
import type { DistilBertConfig } from "../model/config.ts";
import type { WeightMap } from "../model/weights.ts";
import type { ProgressOption } from "../progress/mod.ts";
import { tfBackendInfo } from "./backend.ts";
import type { TrainExamples } from "./batches.ts";
import { TfDistilBert } from "./distilbert.ts";
import type { TrainExtension } from "./extension.ts";
import type { ForwardHooks } from "./hooks.ts";
import { Rng } from "../random/mod.ts";
import { train, type TrainResult } from "./train.ts";

/** BERT's uncased vocabulary: `[CLS]`, `[SEP]`, and the first id past the special/unused tokens. */
const CLS_ID = 101;
const SEP_ID = 102;
const FIRST_WORD_ID = 1000;

/**
 * `how` the figure was obtained, followed by the machine's 1-minute load average and core count
 * (timings on a shared machine are noisy; the note says how busy it was).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { benchNote } from "./step_bench.ts";
 * assert.match(benchNote("median of 3 updates"), /^median of 3 updates; load average \d+\.\d\d on \d+ cores$/);
 * ```
 */
export function benchNote(how: string): string {
  const [one] = Deno.loadavg();
  return `${how}; load average ${one.toFixed(2)} on ${navigator.hardwareConcurrency} cores`;
}

/**
 * `rows` labelled rows `[CLS] random… [SEP]` of exactly `seqLen` tokens, all attended, words drawn
 * from ids 1000 … `vocabSize - 1` of a BERT vocabulary (seeded: the same rows every call).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fullLengthRows } from "./step_bench.ts";
 * const { encoded, labels } = fullLengthRows(2, 6, 30522);
 * assert.equal(encoded[0].inputIds.length, 6);
 * assert.equal(encoded[0].inputIds[0], 101);
 * assert.equal(encoded[0].inputIds[5], 102);
 * assert.deepEqual(labels, [0, 1]);
 * ```
 */
export function fullLengthRows(
  rows: number,
  seqLen: number,
  vocabSize: number,
  seed = 5,
): TrainExamples {
  if (vocabSize <= FIRST_WORD_ID) {
    throw new RangeError(
      `fullLengthRows draws words from ids ${FIRST_WORD_ID}+ of a BERT vocabulary; ` +
        `vocabSize ${vocabSize} has none`,
    );
  }
  if (seqLen < 2) throw new RangeError(`seqLen ${seqLen} leaves no room for [CLS] and [SEP]`);
  const rng = new Rng(seed);
  const encoded = Array.from({ length: rows }, () => {
    const inputIds = [
      CLS_ID,
      ...Array.from(
        { length: seqLen - 2 },
        () => FIRST_WORD_ID + rng.int(vocabSize - FIRST_WORD_ID),
      ),
      SEP_ID,
    ];
    return { inputIds, attentionMask: inputIds.map(() => 1) };
  });
  return { encoded, labels: encoded.map((_, i) => i % 2) };
}

/** Options of {@link benchTraining}. */
export interface BenchTrainingOptions {
  batchSize: number;
  /** Stop after this many updates. */
  maxSteps?: number;
  /** Default 1. */
  epochs?: number;
  /** Forward hooks of the model (e.g. a `QatQuantizer`'s). */
  hooks?: ForwardHooks;
  /** Training extensions (e.g. pruning's pattern lock), on the warm-up update too. */
  extensions?: readonly TrainExtension[];
  /** Default off. */
  progress?: ProgressOption;
}

/**
 * Trains a fresh model built from `weights` on `examples` (default loop settings, no log, no
 * checkpoint, no Ctrl+C handling) and disposes it; the per-update times are in `history[i].ms`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { benchTraining, fullLengthRows } from "./step_bench.ts";
 * import { DISTILBERT_BASE, randomDistilBertWeights } from "../model/mod.ts";
 * const config = { ...DISTILBERT_BASE, vocabSize: 1100, dim: 8, nLayers: 1, nHeads: 2, hiddenDim: 16, maxPositionEmbeddings: 8 };
 * const weights = randomDistilBertWeights(config, { seed: 1 });
 * const result = await benchTraining(config, weights, fullLengthRows(4, 8, 1100), { batchSize: 2 });
 * assert.equal(result.history.length, 2);
 * ```
 */
export async function benchTraining(
  config: DistilBertConfig,
  weights: WeightMap,
  examples: TrainExamples,
  options: BenchTrainingOptions,
): Promise<TrainResult> {
  const model = await TfDistilBert.fromWeights(config, weights, { hooks: options.hooks });
  try {
    return await train(model, examples, {
      batchSize: options.batchSize,
      maxSteps: options.maxSteps,
      epochs: options.epochs ?? 1,
      log: false,
      progress: options.progress ?? false,
      handleSigint: false,
      ...(options.extensions ? { extensions: options.extensions } : {}),
    });
  } finally {
    model.dispose();
  }
}

/** Options of {@link timeTrainSteps}. */
export interface TrainStepBenchOptions {
  /** Timed updates after one warm-up update (default 3). */
  steps?: number;
  /** Rows per update (default 8). */
  batch?: number;
  /** Tokens per row, `[CLS]` and `[SEP]` included (default 128). */
  seq?: number;
  /** Forward hooks of the model (e.g. a `QatQuantizer`'s), on the warm-up update too. */
  hooks?: ForwardHooks;
  /** Training extensions (e.g. pruning's pattern lock), on the warm-up update too. */
  extensions?: readonly TrainExtension[];
}

/** What {@link timeTrainSteps} measured. */
export interface TrainStepTiming {
  batch: number;
  seq: number;
  /** Wall times of the timed updates (the warm-up one left out). */
  stats: LatencyStats;
  /** Attended tokens of one update: `batch × seq`. */
  tokensPerStep: number;
  /** `tokensPerStep` per median update second. */
  tokensPerSecond: number;
  /** The weights' size as float32. */
  sizeBytes: number;
  /** Compute threads of the wasm backend. */
  threads: number;
}

/**
 * Times training updates of a model built from `config` and `weights`: one warm-up update, then
 * `steps` timed ones, on {@link fullLengthRows} of `batch × seq`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { timeTrainSteps } from "./step_bench.ts";
 * import { DISTILBERT_BASE, randomDistilBertWeights } from "../model/mod.ts";
 * const config = { ...DISTILBERT_BASE, vocabSize: 1100, dim: 8, nLayers: 1, nHeads: 2, hiddenDim: 16, maxPositionEmbeddings: 16 };
 * const timing = await timeTrainSteps(config, randomDistilBertWeights(config, { seed: 1 }), { steps: 2, batch: 2, seq: 16 });
 * assert.equal(timing.stats.count, 2);
 * assert.equal(timing.tokensPerStep, 32);
 * ```
 */
export async function timeTrainSteps(
  config: DistilBertConfig,
  weights: WeightMap,
  options: TrainStepBenchOptions = {},
): Promise<TrainStepTiming> {
  const { steps = 3, batch = 8, seq = 128 } = options;
  if (!Number.isInteger(steps) || steps < 1) {
    throw new RangeError(`steps must be a positive integer, got ${steps}`);
  }
  const examples = fullLengthRows(batch * (steps + 1), seq, config.vocabSize);
  const result = await benchTraining(config, weights, examples, {
    batchSize: batch,
    hooks: options.hooks,
    extensions: options.extensions,
  });
  const stats = latencyStats(result.history.slice(1).map((r) => r.ms));
  const tokensPerStep = batch * seq;
  return {
    batch,
    seq,
    stats,
    tokensPerStep,
    tokensPerSecond: (tokensPerStep * 1000) / stats.medianMs,
    sizeBytes: [...weights.values()].reduce((n, t) => n + t.data.length, 0) * 4,
    threads: tfBackendInfo().threads,
  };
}

/** A {@link BenchRow} of timed training updates. */
export interface TrainStepRow extends BenchRow {
  /** Attended tokens per second of training (forward + backward + update). */
  tokensPerSecond: number;
  /** Compute threads of the wasm backend. */
  threads: number;
  /** How the figure was obtained, and the machine's load when it was. */
  note: string;
}

/**
 * The bench row of a {@link timeTrainSteps} measurement (throughput in rows per median second).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { trainStepRow } from "./step_bench.ts";
 * const stats = { count: 2, meanMs: 110, minMs: 100, medianMs: 110, p90Ms: 118, p99Ms: 119.8, maxMs: 120 };
 * const row = trainStepRow("m", "train step", {
 *   batch: 8, seq: 128, stats, tokensPerStep: 1024, tokensPerSecond: 1024 / 0.11, sizeBytes: 4, threads: 2,
 * });
 * assert.equal(row.runs, 2);
 * assert.equal(row.throughput, 8000 / 110);
 * assert.match(row.note, /^median of 2 update\(s\) after 1 warm-up; load average/);
 * ```
 */
export function trainStepRow(
  model: string,
  variant: string,
  timing: TrainStepTiming,
): TrainStepRow {
  const { batch, seq, stats } = timing;
  return {
    ...benchRow({ model, variant, batch, seq, sizeBytes: timing.sizeBytes }, stats),
    tokensPerSecond: timing.tokensPerSecond,
    threads: timing.threads,
    note: benchNote(`median of ${stats.count} update(s) after 1 warm-up`),
  };
}
