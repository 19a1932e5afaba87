/**
 * Choosing what to prune: the `k` lowest scores among the eligible entries, ties broken by
 * position, so the count is exact and the choice deterministic.
 *
 * @module
 */

/**
 * Keep flags (1 keeps) that prune exactly `k` of the eligible entries of `scores` (all entries
 * when `eligible` is absent), lowest scores first; ties go to the lower index. `k` must not
 * exceed the number of eligible entries.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pruneLowest } from "./select.ts";
 * assert.deepEqual([...pruneLowest(Float32Array.of(3, 1, 2, 1), 2)], [1, 0, 1, 0]);
 * assert.deepEqual([...pruneLowest(Float32Array.of(3, 1, 2, 1), 2, Uint8Array.of(1, 0, 1, 1))], [1, 1, 0, 0]);
 * assert.deepEqual([...pruneLowest(Float32Array.of(5, 5, 5), 1)], [0, 1, 1]);
 * ```
 */
export function pruneLowest(scores: Float32Array, k: number, eligible?: Uint8Array): Uint8Array {
  const keep = new Uint8Array(scores.length).fill(1);
  if (k <= 0) return keep;
  let count = 0;
  for (let i = 0; i < scores.length; i++) if (!eligible || eligible[i]) count++;
  if (k > count) {
    throw new RangeError(`cannot prune ${k} of ${count} eligible entries`);
  }
  const candidates = new Float32Array(count);
  for (let i = 0, j = 0; i < scores.length; i++) {
    if (!eligible || eligible[i]) candidates[j++] = rankOf(scores[i]);
  }
  const threshold = kthSmallest(candidates, k - 1);
  let below = 0;
  for (let i = 0; i < count; i++) if (candidates[i] < threshold) below++;
  let ties = k - below;
  for (let i = 0; i < scores.length; i++) {
    if (eligible && !eligible[i]) continue;
    const s = rankOf(scores[i]);
    if (s < threshold) keep[i] = 0;
    else if (s === threshold && ties > 0) {
      keep[i] = 0;
      ties--;
    }
  }
  return keep;
}

/** A score as it ranks: NaN last, like `Float32Array.prototype.sort`. */
function rankOf(score: number): number {
  return score === score ? score : Infinity;
}

/**
 * The `k`-th smallest value of `values` (0-based), found by quickselect in expected linear time
 * (a sort of the millions of entries of a DistilBERT-base layer costs 10× more). Reorders
 * `values`; NaN-free input.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { kthSmallest } from "./select.ts";
 * assert.equal(kthSmallest(Float32Array.of(5, 1, 4, 1, 3), 2), 3);
 * assert.equal(kthSmallest(Float32Array.of(2, 2, 2), 1), 2);
 * ```
 */
export function kthSmallest(values: Float32Array, k: number): number {
  if (!(k >= 0 && k < values.length && Number.isInteger(k))) {
    throw new RangeError(`k ${k} is not an index of ${values.length} values`);
  }
  let lo = 0;
  let hi = values.length - 1;
  while (hi > lo) {
    const pivot = medianOfThree(values[lo], values[(lo + hi) >>> 1], values[hi]);
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i] < pivot) i++;
      while (values[j] > pivot) j--;
      if (i <= j) {
        const t = values[i];
        values[i++] = values[j];
        values[j--] = t;
      }
    }
    // Now values[lo..j] ≤ pivot ≤ values[i..hi], and every entry between j and i equals it.
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return values[k];
  }
  return values[k];
}

function medianOfThree(a: number, b: number, c: number): number {
  return a < b ? (b < c ? b : a < c ? c : a) : (a < c ? a : b < c ? c : b);
}
