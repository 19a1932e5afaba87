/**
 * Timing several models interleaved: all sessions open, one run of each in turn, so every variant
 * sees the same machine load (on a shared machine, timing them one after the other compares the
 * load of different minutes more than the variants). Open the sessions with `allowSpinning:
 * false`, or the idle threads of one session steal the cores of the next.
 *
 * @module
 */

import { modelSizeOnDisk } from "../onnx/size.ts";
import { batchFeeds, syntheticBatch } from "../runtime/feeds.ts";
import { createSession, type ModelSession, type SessionOptions } from "../runtime/session.ts";
import type { MeasureOptions } from "./latency.ts";
import { type BenchRow, benchRow } from "./model_bench.ts";
import { type LatencyStats, latencyStats } from "./stats.ts";

/** Options of {@link timeInterleaved}. */
export interface TimeInterleavedOptions {
  /** Vocabulary size for the random token ids. */
  vocabSize: number;
  /** Batch sizes (default [1, 8]). */
  batches?: number[];
  /** Sequence length (default 128). */
  seq?: number;
  /**
   * Per session and batch size: `warmup` untimed runs (default 3), then rounds until every
   * session has `iterations` runs (default 10) and `minTimeMs` of timed runs (default 3000), at
   * most `maxIterations` rounds (default 1000).
   */
  measure?: MeasureOptions;
  /**
   * Who runs first in a round: `"rotate"` (default) starts round i at session i mod n;
   * `"reverse"` runs the sessions in order, then in reverse order, alternately.
   */
  order?: "rotate" | "reverse";
  /** Called with each timing as soon as its batch size is done (e.g. to tick progress). */
  onTiming?: (timing: InterleavedTiming) => void;
}

/** The timings of one session at one batch size. */
export interface InterleavedTiming extends LatencyStats {
  /** Index of the session in the list given. */
  index: number;
  batch: number;
  seq: number;
  /**
   * The timed runs (ms) in round order: run r of every session was timed in the same round,
   * so `a.samples[r] / b.samples[r]` pairs runs made under the same load.
   */
  samples: number[];
}

/**
 * Times open sessions interleaved on `benchModel`'s feeds (random full-length token batches,
 * seeded by the batch size); one timing per batch size and session, batch by batch.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildDistilBert, DISTILBERT_BASE } from "../model/mod.ts";
 * import { encodeModel } from "../onnx/mod.ts";
 * import { createSession } from "../runtime/mod.ts";
 * import { timeInterleaved } from "./interleaved.ts";
 * const config = { ...DISTILBERT_BASE, vocabSize: 1100, dim: 16, nLayers: 1, nHeads: 2, hiddenDim: 32, maxPositionEmbeddings: 32 };
 * const s = await createSession(encodeModel(buildDistilBert(config, { seed: 0 })));
 * const timings = await timeInterleaved([s, s], {
 *   vocabSize: 1100, batches: [1], seq: 8, measure: { warmup: 0, iterations: 3, minTimeMs: 0 },
 * });
 * assert.deepEqual(timings.map((t) => [t.index, t.batch, t.count]), [[0, 1, 3], [1, 1, 3]]);
 * await s.session.release();
 * ```
 */
export async function timeInterleaved(
  sessions: readonly ModelSession[],
  options: TimeInterleavedOptions,
): Promise<InterleavedTiming[]> {
  const seq = options.seq ?? 128;
  const warmup = options.measure?.warmup ?? 3;
  const iterations = options.measure?.iterations ?? 10;
  const minTimeMs = options.measure?.minTimeMs ?? 3000;
  const maxIterations = options.measure?.maxIterations ?? 1000;
  const timings: InterleavedTiming[] = [];
  for (const batch of options.batches ?? [1, 8]) {
    const tokens = syntheticBatch({
      size: batch,
      seqLen: seq,
      vocabSize: options.vocabSize,
      seed: batch,
    });
    const runs = sessions.map((s) => {
      const feeds = batchFeeds({ batch: tokens, inputNames: s.inputNames });
      return () => s.session.run(feeds);
    });
    for (let i = 0; i < warmup; i++) for (const run of runs) await run();
    const samples = runs.map(() => [] as number[]);
    const totals = runs.map(() => 0);
    for (let round = 0; round < maxIterations; round++) {
      if (round >= iterations && totals.every((t) => t >= minTimeMs)) break;
      for (let k = 0; k < runs.length; k++) {
        const j = options.order === "reverse"
          ? (round % 2 === 1 ? runs.length - 1 - k : k)
          : (round + k) % runs.length;
        const started = performance.now();
        await runs[j]();
        const elapsed = performance.now() - started;
        samples[j].push(elapsed);
        totals[j] += elapsed;
      }
    }
    samples.forEach((s, index) => {
      const timing = { index, batch, seq, samples: s, ...latencyStats(s) };
      timings.push(timing);
      options.onTiming?.(timing);
    });
  }
  return timings;
}

/** Options of {@link benchInterleaved}. */
export interface InterleaveOptions {
  /** Name of the model in the rows. */
  model: string;
  /** Vocabulary size for the random token ids. */
  vocabSize: number;
  /** Batch sizes (default [1, 8]). */
  batches?: number[];
  /** Sequence length (default 128). */
  seq?: number;
  session?: SessionOptions;
  /** Per variant and batch size: warm-up runs, timed runs, minimum time (default 3000 ms). */
  measure?: MeasureOptions;
}

/**
 * `benchModel`'s rows for several model files timed interleaved ({@link timeInterleaved}, the
 * first to run rotating), so every variant sees the same machine load; rows grouped by variant
 * (in the order given), then by batch size.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildDistilBert, DISTILBERT_BASE } from "../model/mod.ts";
 * import { writeModel } from "../onnx/mod.ts";
 * import { benchInterleaved } from "./interleaved.ts";
 * const config = { ...DISTILBERT_BASE, vocabSize: 1100, dim: 16, nLayers: 1, nHeads: 2, hiddenDim: 32, maxPositionEmbeddings: 32 };
 * const dir = await Deno.makeTempDir();
 * const { path } = await writeModel(`${dir}/m.onnx`, buildDistilBert(config, { seed: 0 }));
 * const rows = await benchInterleaved([{ variant: "fp32", path }], {
 *   model: "tiny", vocabSize: 1100, batches: [1, 2], seq: 8, measure: { warmup: 0, iterations: 3, minTimeMs: 0 },
 * });
 * assert.deepEqual(rows.map((r) => [r.batch, r.runs]), [[1, 3], [2, 3]]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function benchInterleaved<V extends string>(
  variants: readonly { variant: V; path: string }[],
  options: InterleaveOptions,
): Promise<(BenchRow & { variant: V })[]> {
  const sessions: ModelSession[] = [];
  try {
    // Sessions take turns on the same cores: no spin-waiting threads (see `allowSpinning`).
    const session = { allowSpinning: false, ...options.session };
    for (const { path } of variants) sessions.push(await createSession(path, session));
    const timings = await timeInterleaved(sessions, options);
    const sizes = await Promise.all(variants.map((v) => modelSizeOnDisk(v.path)));
    return timings
      .sort((a, b) => a.index - b.index)
      .map((t) => ({
        ...benchRow({
          model: options.model,
          variant: variants[t.index].variant,
          batch: t.batch,
          seq: t.seq,
          sizeBytes: sizes[t.index],
        }, t),
        variant: variants[t.index].variant,
      }));
  } finally {
    for (const s of sessions) await s.session.release();
  }
}
