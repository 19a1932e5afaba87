import { modelSizeOnDisk } from "../onnx/size.ts";
import { createSession, type SessionOptions } from "../runtime/session.ts";
import { batchFeeds, syntheticBatch } from "../runtime/feeds.ts";
import { measureLatency, type MeasureOptions } from "./latency.ts";
import type { LatencyStats } from "./stats.ts";

/** One row of `bench.json`: a model variant at one batch size and sequence length. */
export interface BenchRow {
  model: string;
  variant: string;
  batch: number;
  seq: number;
  medianMs: number;
  p90Ms: number;
  p99Ms?: number;
  meanMs?: number;
  /** Sequences per second at the median. */
  throughput?: number;
  sizeBytes: number;
  /** Timed runs behind the statistics. */
  runs: number;
}

/** What a {@link BenchRow} is about; the timing fields come from {@link LatencyStats}. */
export type BenchRowSubject = Pick<BenchRow, "model" | "variant" | "batch" | "seq" | "sizeBytes">;

/**
 * A {@link BenchRow} from a subject and its latency statistics (throughput at the median).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { benchRow } from "./model_bench.ts";
 * import { latencyStats } from "./stats.ts";
 * const row = benchRow(
 *   { model: "m", variant: "fp32", batch: 8, seq: 128, sizeBytes: 1 },
 *   latencyStats([100, 200, 300]),
 * );
 * assert.equal(row.medianMs, 200);
 * assert.equal(row.throughput, 40);
 * assert.equal(row.runs, 3);
 * ```
 */
export function benchRow(subject: BenchRowSubject, stats: LatencyStats): BenchRow {
  return {
    model: subject.model,
    variant: subject.variant,
    batch: subject.batch,
    seq: subject.seq,
    medianMs: stats.medianMs,
    p90Ms: stats.p90Ms,
    p99Ms: stats.p99Ms,
    meanMs: stats.meanMs,
    throughput: (subject.batch * 1000) / stats.medianMs,
    sizeBytes: subject.sizeBytes,
    runs: stats.count,
  };
}

/** What to benchmark. */
export interface ModelBenchOptions {
  /** Name of the model in the table (e.g. `distilbert-base (random)`). */
  model: string;
  /** `fp32`, `int8-dynamic`, … */
  variant: string;
  /** The `.onnx` file. */
  path: string;
  /** Vocabulary size, for random token ids. */
  vocabSize: number;
  /** Batch sizes (default [1, 8]). */
  batches?: number[];
  /** Sequence length (default 128). */
  seq?: number;
  session?: SessionOptions;
  measure?: MeasureOptions;
}

/**
 * Latency of an ONNX classifier on random full-length inputs at each batch size, with its size on
 * disk (the file plus external data in `<file>_data`, when present).
 *
 * @example
 * ```ts ignore
 * const rows = await benchModel({ model: "distilbert-base", variant: "fp32", path: "model.onnx", vocabSize: 30522 });
 * ```
 */
export async function benchModel(options: ModelBenchOptions): Promise<BenchRow[]> {
  const seq = options.seq ?? 128;
  const model = await createSession(options.path, options.session);
  const sizeBytes = await modelSizeOnDisk(options.path);
  const rows: BenchRow[] = [];
  try {
    for (const batch of options.batches ?? [1, 8]) {
      const feeds = batchFeeds({
        batch: syntheticBatch({
          size: batch,
          seqLen: seq,
          vocabSize: options.vocabSize,
          seed: batch,
        }),
        inputNames: model.inputNames,
      });
      const stats = await measureLatency(
        () => model.session.run(feeds),
        { warmup: 3, iterations: 10, minTimeMs: 3000, ...options.measure },
      );
      rows.push(
        benchRow({ model: options.model, variant: options.variant, batch, seq, sizeBytes }, stats),
      );
    }
  } finally {
    await model.session.release();
  }
  return rows;
}
