import { type Interval, IntervalError, sortedQuantile } from "./interval.ts";

/**
 * The median of `samples` with a distribution-free confidence interval: the order statistics
 * whose ranks the binomial(n, ½) distribution puts around the median (no seed, no assumption
 * about the shape of the timings). With fewer than 6 samples at 95% the interval is the range.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { medianInterval } from "./latency.ts";
 * const ci = medianInterval(Array.from({ length: 20 }, (_, i) => i + 1));
 * assert.equal(ci.estimate, 10.5);
 * assert.deepEqual([ci.low, ci.high], [6, 15]);
 * ```
 */
export function medianInterval(samples: readonly number[], level = 0.95): Interval {
  const n = samples.length;
  if (n === 0) throw new IntervalError("no samples: time at least one run.");
  if (!(level > 0 && level < 1)) {
    throw new IntervalError(`confidence level ${level} is not in (0, 1): use e.g. 0.95.`);
  }
  const sorted = Float64Array.from(samples).sort();
  // Largest j with P(X < j) ≤ (1 − level)/2 for X ~ Bin(n, ½): [x_(j), x_(n−j+1)] (1-based).
  const alpha = (1 - level) / 2;
  let cumulative = 0;
  let term = 2 ** -n;
  let j = 0;
  for (let k = 0; k < n; k++) {
    if (k > 0) term *= (n - k + 1) / k;
    if (cumulative + term > alpha) break;
    cumulative += term;
    j = k + 1;
  }
  const lowRank = Math.max(j, 1);
  return {
    estimate: sortedQuantile(sorted, 0.5),
    low: sorted[lowRank - 1],
    high: sorted[n - lowRank],
    level,
  };
}

/**
 * How many times faster `candidate` runs than `reference`, from runs timed interleaved (run r of
 * both in the same round, as `timeInterleaved` records them): the median of the per-round ratios
 * `reference[r] / candidate[r]` with its {@link medianInterval}. Pairing by round cancels the
 * machine's load drifts; an interval containing 1 means the speed-up is within noise.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { speedupInterval } from "./latency.ts";
 * const reference = [10, 12, 20, 11, 10, 13, 10, 11];
 * const candidate = [5, 6, 10, 5.5, 5, 6.5, 5, 5.5];
 * assert.equal(speedupInterval({ reference, candidate }).estimate, 2);
 * ```
 */
export function speedupInterval(
  options: { reference: readonly number[]; candidate: readonly number[]; level?: number },
): Interval {
  const { reference, candidate } = options;
  if (reference.length !== candidate.length) {
    throw new IntervalError(
      `${reference.length} reference and ${candidate.length} candidate timings: pair runs ` +
        `timed in the same rounds (timeInterleaved).`,
    );
  }
  return medianInterval(reference.map((r, i) => r / candidate[i]), options.level);
}
