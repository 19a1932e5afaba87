/**
 * GEMM speed of the training engine, for `deno task bench`'s `train` suite: the products the
 * engine runs at batch 8 × 128 on full-size DistilBERT — a feed-forward linear
 * (`[1024, 768] · [768, 3072]`) and the attention scores (`96 × [128, 64] · [64, 128]`) — timed
 * through the engine's own ops on the GEMM backend running now, in GFLOP/s.
 *
 * @module
 */
import { latencyStats } from "../bench/stats.ts";
import { tf } from "./backend.ts";
import { gemmInfo } from "./gemm.ts";
import { matMul } from "./ops.ts";
import { Rng } from "../random/mod.ts";

/** The shape of a (batched) product `[batch, m, k] · [batch, k, n]`. */
export interface GemmShape {
  /** Products in the batch (default 1: one 2-D product). */
  batch?: number;
  m: number;
  k: number;
  n: number;
}

/** The engine's products at batch 8 × 128 on full-size DistilBERT (768/12 heads/3072). */
export const ENGINE_GEMM_SHAPES: Readonly<Record<string, GemmShape>> = {
  "feed-forward linear": { m: 1024, k: 768, n: 3072 },
  "attention scores": { batch: 96, m: 128, k: 64, n: 128 },
};

/** Options of {@link timeGemm}. */
export interface TimeGemmOptions {
  /** Timed products after one warm-up (default 5). */
  reps?: number;
}

/** What {@link timeGemm} measured. */
export interface GemmTiming extends Required<GemmShape> {
  /** The GEMM backend that ran (`gemmInfo().backend`). */
  backend: string;
  medianMs: number;
  /** `2·batch·m·k·n` floating-point operations per median millisecond, in GFLOP/s. */
  gflops: number;
}

/**
 * Times `shape` on the running GEMM backend: one warm-up product, then `reps` timed ones (2-D
 * products through `tf.matMul`, batched ones through the engine's `matMul`). Call `initTf` first.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initTf } from "./backend.ts";
 * import { timeGemm } from "./gemm_bench.ts";
 * await initTf();
 * const timing = timeGemm({ batch: 2, m: 16, k: 8, n: 16 }, { reps: 2 });
 * assert.equal(timing.batch, 2);
 * assert.ok(timing.gflops > 0);
 * ```
 */
export function timeGemm(shape: GemmShape, options: TimeGemmOptions = {}): GemmTiming {
  const { batch = 1, m, k, n } = shape;
  const reps = options.reps ?? 5;
  if (!Number.isInteger(reps) || reps < 1) {
    throw new RangeError(`reps must be a positive integer, got ${reps}`);
  }
  const rng = new Rng(1);
  const values = (length: number) => Float32Array.from({ length }, () => rng.next() - 0.5);
  const lead = batch === 1 ? [] : [batch];
  const a = tf.tensor(values(batch * m * k), [...lead, m, k]);
  const b = tf.tensor(values(batch * k * n), [...lead, k, n]);
  const run = () => {
    // The wasm backend computes inside the kernel call: the product is done when it returns.
    tf.dispose(batch === 1 ? tf.matMul(a as never, b as never) : matMul(a, b));
  };
  try {
    run();
    const ms: number[] = [];
    for (let i = 0; i < reps; i++) {
      const started = performance.now();
      run();
      ms.push(performance.now() - started);
    }
    const medianMs = latencyStats(ms).medianMs;
    return {
      batch,
      m,
      k,
      n,
      backend: gemmInfo().backend,
      medianMs,
      gflops: (2 * batch * m * k * n) / medianMs / 1e6,
    };
  } finally {
    tf.dispose([a, b]);
  }
}
