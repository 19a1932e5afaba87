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
    if (!eligible || eligible[i]) candidates[j++] = scores[i];
  }
  candidates.sort();
  const threshold = candidates[k - 1];
  let below = 0;
  for (let i = 0; i < k; i++) if (candidates[i] < threshold) below++;
  let ties = k - below;
  for (let i = 0; i < scores.length; i++) {
    if (eligible && !eligible[i]) continue;
    if (scores[i] < threshold) keep[i] = 0;
    else if (scores[i] === threshold && ties > 0) {
      keep[i] = 0;
      ties--;
    }
  }
  return keep;
}
