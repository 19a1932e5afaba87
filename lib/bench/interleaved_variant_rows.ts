/**
 * Rows of model variants timed interleaved against a reference (the first variant), with the
 * ratios a technique's bench reports: speedup of the medians, paired speedup (round by round, so
 * load drift cancels) and size ratio.
 *
 * @module
 */

import { modelSizeOnDisk } from "../onnx/size.ts";
import { type ProgressOption, progressReporter } from "../progress/mod.ts";
import { createSession, type ModelSession } from "../runtime/session.ts";
import { timeInterleaved } from "./interleaved.ts";
import { type BenchRow, benchRow } from "./model_bench.ts";
import { latencyStats, quantile } from "./stats.ts";

/** A latency row with ratios to the reference variant measured in the same rounds. */
export interface PairedBenchRow extends BenchRow {
  /** Reference median ÷ this median. */
  speedup: number;
  /** Median over rounds of (reference time ÷ this time) in the same round: robust to load drift. */
  pairedSpeedup: number;
  minMs: number;
  /** `.onnx` file size relative to the reference file. */
  sizeRatio: number;
}

/**
 * The options a technique's bench shares (`quantBenchRows`, `pruneBenchRows`): what to time and
 * how long; each bench documents its own default rounds.
 */
export interface VariantBenchOptions {
  /** Model name in the rows (default `distilbert-base (random)`). */
  model?: string;
  /** Batch sizes (default [1, 8]). */
  batches?: number[];
  /** Sequence length (default 128). */
  seq?: number;
  /** Interleaved timed rounds per batch size. */
  rounds?: (batch: number) => number;
  /** Shorter runs. */
  quick?: boolean;
  /** ORT threads (default 2, the workshop machines' cores). */
  intraOpThreads?: number;
  /** Progress per batch size. */
  progress?: ProgressOption;
}

/** Options of {@link interleavedVariantRows}. */
export interface InterleavedVariantRowsOptions {
  /** Model name in the rows. */
  model: string;
  /** Vocabulary size for random token ids. */
  vocabSize: number;
  /** Batch sizes (default [1, 8]). */
  batches?: number[];
  /** Sequence length (default 128). */
  seq?: number;
  /** Interleaved timed rounds per batch size (after 2 warm-up rounds). */
  rounds: (batch: number) => number;
  /** ORT threads (default 2, the workshop machines' cores). */
  intraOpThreads?: number;
  /** Label of the progress line (one tick per batch size). */
  label: string;
  progress?: ProgressOption;
}

/**
 * Opens every variant (the first is the reference, e.g. FP32), times them interleaved batch size
 * by batch size, and returns one {@link PairedBenchRow} per batch size and variant, grouped by
 * batch size (variants in the order given).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildDistilBert, DISTILBERT_BASE } from "../model/mod.ts";
 * import { writeModel } from "../onnx/mod.ts";
 * import { interleavedVariantRows } from "./interleaved_variant_rows.ts";
 * const config = { ...DISTILBERT_BASE, vocabSize: 1100, dim: 16, nLayers: 1, nHeads: 2, hiddenDim: 32, maxPositionEmbeddings: 32 };
 * const dir = await Deno.makeTempDir();
 * const { path } = await writeModel(`${dir}/m.onnx`, buildDistilBert(config, { seed: 0 }));
 * const rows = await interleavedVariantRows([{ name: "a", path }, { name: "b", path }], {
 *   model: "tiny", vocabSize: 1100, batches: [1], seq: 8, rounds: () => 3, label: "doc", progress: false,
 * });
 * assert.deepEqual(rows.map((r) => [r.variant, r.runs, r.sizeRatio]), [["a", 3, 1], ["b", 3, 1]]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function interleavedVariantRows(
  variants: readonly { name: string; path: string }[],
  o: InterleavedVariantRowsOptions,
): Promise<PairedBenchRow[]> {
  const seq = o.seq ?? 128;
  const sessions: ModelSession[] = [];
  const sizes: number[] = [];
  try {
    for (const v of variants) {
      // Sessions take turns on the same cores: no spin-waiting threads (see `allowSpinning`).
      sessions.push(
        await createSession(v.path, {
          intraOpThreads: o.intraOpThreads ?? 2,
          allowSpinning: false,
        }),
      );
      sizes.push(await modelSizeOnDisk(v.path));
    }
    const rows: PairedBenchRow[] = [];
    const batches = o.batches ?? [1, 8];
    const progress = progressReporter(o.progress, {
      label: o.label,
      total: batches.length,
      unit: "batch sizes",
    });
    for (const batch of batches) {
      const rounds = o.rounds(batch);
      const times = (await timeInterleaved(sessions, {
        vocabSize: o.vocabSize,
        batches: [batch],
        seq,
        measure: { warmup: 2, iterations: rounds, minTimeMs: 0, maxIterations: rounds },
      })).map((t) => t.samples);
      const referenceMedian = quantile(times[0], 0.5);
      variants.forEach((v, i) => {
        const stats = latencyStats(times[i]);
        const subject = { model: o.model, variant: v.name, batch, seq, sizeBytes: sizes[i] };
        rows.push({
          ...benchRow(subject, stats),
          minMs: stats.minMs,
          sizeRatio: sizes[i] / sizes[0],
          speedup: referenceMedian / stats.medianMs,
          pairedSpeedup: quantile(times[i].map((t, k) => times[0][k] / t), 0.5),
        });
      });
      progress.tick(1);
    }
    progress.done();
    return rows;
  } finally {
    for (const s of sessions) await s.session.release();
  }
}
