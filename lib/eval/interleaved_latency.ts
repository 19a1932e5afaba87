import { type MeasureOptions, timeInterleaved } from "../bench/mod.ts";
import { createSession, type ModelSession, type SessionOptions } from "../runtime/mod.ts";
import { type Interval, medianInterval, speedupInterval } from "../stats/mod.ts";

/** Latency of one variant timed interleaved with the others. */
export interface VariantLatency {
  name: string;
  /** Median ms at batch 1 and 8 × sequence 128, with a distribution-free interval. */
  b1: Interval;
  b8: Interval;
  /** Speed-up over the first variant (per-round ratios); absent for the first. */
  speedup?: { b1: Interval; b8: Interval };
}

/** Options of {@link interleavedLatency}. */
export interface InterleavedLatencyOptions {
  /** The variants; the first is the reference of the speed-ups (FP32). */
  variants: readonly { name: string; path: string }[];
  /** Vocabulary size, for the random token ids. */
  vocabSize: number;
  /** Runs per variant and batch size (see `timeInterleaved`). */
  measure?: MeasureOptions;
  session?: SessionOptions;
  /** Confidence level (default 0.95). */
  level?: number;
}

/**
 * Times every variant interleaved (`timeInterleaved`: one run of each in turn, so all see the
 * same machine load) at batch 1 and 8 × sequence 128, and returns each median latency with its
 * interval and the speed-up over the first variant with its interval.
 *
 * @example
 * ```ts ignore
 * const [fp32, int8] = await interleavedLatency({
 *   variants: [{ name: "fp32", path: fp32Path }, { name: "int8", path: int8Path }], vocabSize: 30522,
 * });
 * console.log(int8.speedup?.b8);
 * ```
 */
export async function interleavedLatency(
  options: InterleavedLatencyOptions,
): Promise<VariantLatency[]> {
  const sessions: ModelSession[] = [];
  try {
    // Sessions take turns on the same cores: no spin-waiting threads.
    const session = { allowSpinning: false, ...options.session };
    for (const v of options.variants) sessions.push(await createSession(v.path, session));
    const timings = await timeInterleaved(sessions, {
      vocabSize: options.vocabSize,
      batches: [1, 8],
      seq: 128,
      measure: options.measure,
    });
    const samples = (index: number, batch: number) =>
      timings.find((t) => t.index === index && t.batch === batch)!.samples;
    const level = options.level ?? 0.95;
    return options.variants.map((v, i) => ({
      name: v.name,
      b1: medianInterval(samples(i, 1), level),
      b8: medianInterval(samples(i, 8), level),
      ...(i === 0 ? {} : {
        speedup: {
          b1: speedupInterval({ reference: samples(0, 1), candidate: samples(i, 1), level }),
          b8: speedupInterval({ reference: samples(0, 8), candidate: samples(i, 8), level }),
        },
      }),
    }));
  } finally {
    for (const s of sessions) await s.session.release();
  }
}
