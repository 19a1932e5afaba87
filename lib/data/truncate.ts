/**
 * Lengths that two sequences keep under "longest first" truncation, with the semantics of the
 * Rust `tokenizers` library that Hugging Face's fast tokenizers use (`truncation=True`): when
 * `n1 + n2 > budget`, the longer sequence is cut first; if both must be cut they get `budget / 2`
 * each and the longer one gets the odd token. `budget` counts content tokens only (the maximum
 * length minus the special tokens the pair template adds).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { longestFirstLengths } from "./truncate.ts";
 * assert.deepEqual(longestFirstLengths(2, 8, 7), [2, 5]); // only the longer one is cut
 * assert.deepEqual(longestFirstLengths(8, 4, 7), [4, 3]); // both cut, the longer keeps the odd one
 * assert.deepEqual(longestFirstLengths(3, 3, 7), [3, 3]); // fits
 * ```
 */
export function longestFirstLengths(n1: number, n2: number, budget: number): [number, number] {
  if (![n1, n2, budget].every((n) => Number.isInteger(n) && n >= 0)) {
    throw new RangeError(
      `longestFirstLengths needs non-negative integers, got n1=${n1}, n2=${n2}, budget=${budget}`,
    );
  }
  if (n1 + n2 <= budget) return [n1, n2];
  const swap = n1 > n2;
  let [short, long] = swap ? [n2, n1] : [n1, n2];
  long = short > budget ? short : Math.max(short, budget - short);
  if (short + long > budget) {
    short = Math.floor(budget / 2);
    long = short + (budget % 2);
  }
  return swap ? [long, short] : [short, long];
}

/**
 * Truncates two token lists longest-first to at most `budget` tokens in total (see
 * {@link longestFirstLengths}); returns new arrays, or the same ones when they fit.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { truncatePair } from "./truncate.ts";
 * assert.deepEqual(truncatePair(["a", "b", "c"], ["x"], 3), [["a", "b"], ["x"]]);
 * ```
 */
export function truncatePair<T>(first: T[], second: T[], budget: number): [T[], T[]] {
  const [n1, n2] = longestFirstLengths(first.length, second.length, budget);
  return [
    n1 === first.length ? first : first.slice(0, n1),
    n2 === second.length ? second : second.slice(0, n2),
  ];
}
