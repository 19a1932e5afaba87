/**
 * The cost of fake quantization in training, as rows for `deno task bench`: one training update
 * (forward, backward, clipping, AdamW) at batch 8 × 128 tokens on the tfjs wasm backend, without
 * and with a {@link QatQuantizer} attached, and the ratio of the two.
 *
 * @module
 */
import { type BenchRow, latencyStats } from "../bench/mod.ts";
import type { HubSettings } from "../hub/mod.ts";
import type { ProgressOption } from "../progress/mod.ts";
import {
  initTf,
  loadDistilBertWeights,
  Rng,
  tfBackendInfo,
  TfDistilBert,
  TRAIN_BENCH_MODEL,
} from "../train/mod.ts";
import { QatQuantizer } from "./quantizer.ts";
import { trainQat } from "./train_qat.ts";

/** A {@link BenchRow} with training figures. */
export interface QatBenchRow extends BenchRow {
  /** Attended tokens per second of training. */
  tokensPerSecond: number;
  /** Median update time relative to the FP32 update (1 for the FP32 row). */
  vsFp32: number;
  /** Compute threads of the wasm backend. */
  threads: number;
  /** How the figure was obtained, and the machine's load. */
  note: string;
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
  const [batch, seq] = [8, 128];
  const steps = options.steps ?? 3;
  const rng = new Rng(9);
  const encoded = Array.from({ length: batch * (steps + 1) }, () => {
    const ids = [101, ...Array.from({ length: seq - 2 }, () => 1000 + rng.int(20000)), 102];
    return { inputIds: ids, attentionMask: ids.map(() => 1) };
  });
  const examples = { encoded, labels: encoded.map((_, i) => i % 2) };
  const sizeBytes = [...weights.values()].reduce((n, t) => n + t.data.length, 0) * 4;
  const rows: QatBenchRow[] = [];
  for (const variant of ["train step FP32 (tfjs wasm)", "train step QAT fake-quant (tfjs wasm)"]) {
    const model = await TfDistilBert.fromWeights(config, weights);
    const quantizer = new QatQuantizer();
    if (rows.length === 0) quantizer.enabled = false;
    try {
      const result = await trainQat(model, quantizer, examples, {
        batchSize: batch,
        epochs: 1,
        progress: false,
        log: false,
        handleSigint: false,
      });
      const stats = latencyStats(result.history.slice(1).map((r) => r.ms));
      const [load] = Deno.loadavg();
      rows.push({
        model: modelId,
        variant,
        batch,
        seq,
        medianMs: stats.medianMs,
        p90Ms: stats.p90Ms,
        p99Ms: stats.p99Ms,
        meanMs: stats.meanMs,
        throughput: (batch * 1000) / stats.medianMs,
        sizeBytes,
        runs: stats.count,
        tokensPerSecond: (batch * seq * 1000) / stats.medianMs,
        vsFp32: rows.length ? stats.medianMs / rows[0].medianMs : 1,
        threads: tfBackendInfo().threads,
        note: `median of ${stats.count} update(s) after 1 warm-up; load average ` +
          `${load.toFixed(2)} on ${navigator.hardwareConcurrency} cores`,
      });
    } finally {
      model.dispose();
    }
  }
  return rows;
}
