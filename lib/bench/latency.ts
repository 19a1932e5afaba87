import { type LatencyStats, latencyStats } from "./stats.ts";

/** How long to measure. */
export interface MeasureOptions {
  /** Untimed runs first, to warm caches and let ORT allocate (default 3). */
  warmup?: number;
  /** Timed runs at least (default 10). */
  iterations?: number;
  /** Keep going until this much time was measured, for stable medians on fast models (default 0). */
  minTimeMs?: number;
  /** At most this many timed runs whatever `minTimeMs` says (default 1000). */
  maxIterations?: number;
}

/**
 * Times an async function: `warmup` untimed calls, then at least `iterations` timed ones.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { measureLatency } from "./latency.ts";
 * const stats = await measureLatency(() => new Promise((r) => setTimeout(r, 2)), { iterations: 3, warmup: 1 });
 * assert.equal(stats.count, 3);
 * assert.ok(stats.medianMs >= 1);
 * ```
 */
export async function measureLatency(
  run: () => Promise<unknown>,
  options: MeasureOptions = {},
): Promise<LatencyStats> {
  const warmup = options.warmup ?? 3;
  const iterations = options.iterations ?? 10;
  const minTimeMs = options.minTimeMs ?? 0;
  const maxIterations = options.maxIterations ?? 1000;
  for (let i = 0; i < warmup; i++) await run();
  const samples: number[] = [];
  let total = 0;
  while (samples.length < iterations || (total < minTimeMs && samples.length < maxIterations)) {
    const start = performance.now();
    await run();
    const elapsed = performance.now() - start;
    samples.push(elapsed);
    total += elapsed;
  }
  return latencyStats(samples);
}
