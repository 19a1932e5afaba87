/** Summary statistics of repeated timings, in milliseconds. */
export interface LatencyStats {
  count: number;
  meanMs: number;
  minMs: number;
  medianMs: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
}

/**
 * The value below which `q` (0..1) of the sorted samples fall, interpolating linearly between
 * neighbours (NumPy's default "linear" method).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { quantile } from "./stats.ts";
 * assert.equal(quantile([1, 2, 3, 4], 0.5), 2.5);
 * assert.equal(quantile([5], 0.9), 5);
 * ```
 */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * Median, p90, p99, mean, min and max of timings in milliseconds.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { latencyStats } from "./stats.ts";
 * const s = latencyStats([10, 20, 30]);
 * assert.equal(s.medianMs, 20);
 * assert.equal(s.maxMs, 30);
 * ```
 */
export function latencyStats(samplesMs: readonly number[]): LatencyStats {
  const n = samplesMs.length;
  return {
    count: n,
    meanMs: n === 0 ? NaN : samplesMs.reduce((a, b) => a + b, 0) / n,
    minMs: n === 0 ? NaN : Math.min(...samplesMs),
    medianMs: quantile(samplesMs, 0.5),
    p90Ms: quantile(samplesMs, 0.9),
    p99Ms: quantile(samplesMs, 0.99),
    maxMs: n === 0 ? NaN : Math.max(...samplesMs),
  };
}

/** Divides every timing of `stats` by `n` (per-batch → per-sample figures). */
export function scaleStats(stats: LatencyStats, n: number): LatencyStats {
  return {
    count: stats.count,
    meanMs: stats.meanMs / n,
    minMs: stats.minMs / n,
    medianMs: stats.medianMs / n,
    p90Ms: stats.p90Ms / n,
    p99Ms: stats.p99Ms / n,
    maxMs: stats.maxMs / n,
  };
}
