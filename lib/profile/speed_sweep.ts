/**
 * Where a variant pays: latency of FP32 and the variant over sequence lengths and thread
 * counts, timed interleaved (the same load for both).
 *
 * @module
 */

import { timeInterleaved } from "../bench/mod.ts";
import type { MeasureOptions } from "../bench/mod.ts";
import { encodeModel, type Model } from "../onnx/mod.ts";
import { createSession, type ModelSession } from "../runtime/mod.ts";

/** Options of {@link speedSweep}. */
export interface SpeedSweepOptions {
  reference: Model | Uint8Array | string;
  candidate: Model | Uint8Array | string;
  vocabSize: number;
  /** Tokens per row (default [16, 32, 64, 128, 256, 512]). */
  seqLens?: readonly number[];
  /** Intra-op thread counts (default [1, 2]). */
  threads?: readonly number[];
  /** Rows per batch (default 1). */
  batch?: number;
  /** Runs per point (default: 1 warm-up, 5 timed, no minimum time). */
  measure?: MeasureOptions;
}

/** One point of the sweep: median latencies (ms) and the speed-up. */
export interface SweepPoint {
  seq: number;
  threads: number;
  batch: number;
  referenceMs: number;
  candidateMs: number;
  /** `referenceMs / candidateMs`: above 1, the variant is faster. */
  speedup: number;
}

/**
 * Times both models at every sequence length and thread count.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildDistilBert, DISTILBERT_BASE } from "../model/mod.ts";
 * import { quantizeDynamic } from "../quant/mod.ts";
 * import { speedSweep } from "./speed_sweep.ts";
 * const config = { ...DISTILBERT_BASE, vocabSize: 1100, dim: 16, nLayers: 1, nHeads: 2, hiddenDim: 32, maxPositionEmbeddings: 32 };
 * const fp32 = buildDistilBert(config, { seed: 0 });
 * const points = await speedSweep({
 *   reference: fp32, candidate: quantizeDynamic(fp32).model, vocabSize: 1100,
 *   seqLens: [8, 16], threads: [1], measure: { warmup: 0, iterations: 2, minTimeMs: 0 },
 * });
 * assert.deepEqual(points.map((p) => [p.seq, p.threads]), [[8, 1], [16, 1]]);
 * assert.ok(points.every((p) => p.speedup > 0));
 * ```
 */
export async function speedSweep(options: SpeedSweepOptions): Promise<SweepPoint[]> {
  const bytes = (m: Model | Uint8Array | string) =>
    typeof m === "object" && !(m instanceof Uint8Array) ? encodeModel(m) : m;
  const models = [bytes(options.reference), bytes(options.candidate)];
  const batch = options.batch ?? 1;
  const points: SweepPoint[] = [];
  for (const threads of options.threads ?? [1, 2]) {
    const sessions: ModelSession[] = [];
    try {
      for (const m of models) {
        sessions.push(await createSession(m, { intraOpThreads: threads, allowSpinning: false }));
      }
      for (const seq of options.seqLens ?? [16, 32, 64, 128, 256, 512]) {
        const [r, c] = await timeInterleaved(sessions, {
          vocabSize: options.vocabSize,
          batches: [batch],
          seq,
          measure: options.measure ?? { warmup: 1, iterations: 5, minTimeMs: 0 },
        });
        points.push({
          seq,
          threads,
          batch,
          referenceMs: r.medianMs,
          candidateMs: c.medianMs,
          speedup: r.medianMs / c.medianMs,
        });
      }
    } finally {
      for (const s of sessions) await s.session.release();
    }
  }
  return points;
}
