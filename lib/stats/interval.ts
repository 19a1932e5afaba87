/** A confidence interval around an estimate. */
export interface Interval {
  /** The value measured on the whole sample. */
  estimate: number;
  low: number;
  high: number;
  /** Confidence level, e.g. 0.95. */
  level: number;
}

/** An interval could not be computed from what was given; the message says why. */
export class IntervalError extends Error {
  override name = "IntervalError";
}

/**
 * The value below which `q` (0..1) of `sorted` (ascending) fall, interpolating linearly between
 * neighbours (NumPy's default method).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sortedQuantile } from "./interval.ts";
 * assert.equal(sortedQuantile([1, 2, 3, 4], 0.5), 2.5);
 * ```
 */
export function sortedQuantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * The percentile interval of bootstrap replicates: the `(1 − level)/2` and `(1 + level)/2`
 * quantiles, around `estimate`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { percentileInterval } from "./interval.ts";
 * const replicates = Array.from({ length: 101 }, (_, i) => i / 100);
 * const ci = percentileInterval({ replicates, estimate: 0.5, level: 0.9 });
 * assert.deepEqual([ci.low, ci.high].map((v) => +v.toFixed(9)), [0.05, 0.95]);
 * ```
 */
export function percentileInterval(
  options: { replicates: ArrayLike<number>; estimate: number; level: number },
): Interval {
  const { level } = options;
  if (!(level > 0 && level < 1)) {
    throw new IntervalError(`confidence level ${level} is not in (0, 1): use e.g. 0.95.`);
  }
  const sorted = Float64Array.from(options.replicates).sort();
  return {
    estimate: options.estimate,
    low: sortedQuantile(sorted, (1 - level) / 2),
    high: sortedQuantile(sorted, (1 + level) / 2),
    level,
  };
}

/**
 * Whether `value` lies inside `interval` (bounds included): a difference whose interval
 * contains 0 (a ratio whose interval contains 1) is within noise.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { intervalContains } from "./interval.ts";
 * assert.ok(intervalContains({ estimate: 0.01, low: -0.01, high: 0.03, level: 0.95 }, 0));
 * assert.ok(!intervalContains({ estimate: 1.8, low: 1.6, high: 2, level: 0.95 }, 1));
 * ```
 */
export function intervalContains(interval: Interval, value: number): boolean {
  return interval.low <= value && value <= interval.high;
}

/**
 * An interval as text, `0.812 [0.774, 0.849]`, with `digits` decimals (default 3).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatInterval } from "./interval.ts";
 * assert.equal(formatInterval({ estimate: 0.8123, low: 0.77, high: 0.849, level: 0.95 }), "0.812 [0.770, 0.849]");
 * ```
 */
export function formatInterval(interval: Interval, digits = 3): string {
  const f = (v: number) => v.toFixed(digits);
  return `${f(interval.estimate)} [${f(interval.low)}, ${f(interval.high)}]`;
}
