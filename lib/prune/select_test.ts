import assert from "node:assert/strict";
import { Rng } from "../random/mod.ts";
import { kthSmallest, pruneLowest } from "./select.ts";

/** The definition: sort (index order breaks ties), prune the first k eligible. */
function pruneLowestBySort(scores: Float32Array, k: number, eligible?: Uint8Array): Uint8Array {
  const rank = (s: number) => (Number.isNaN(s) ? Infinity : s);
  const order = [...scores.keys()].filter((i) => !eligible || eligible[i])
    .sort((a, b) => rank(scores[a]) - rank(scores[b]) || a - b);
  const keep = new Uint8Array(scores.length).fill(1);
  for (const i of order.slice(0, k)) keep[i] = 0;
  return keep;
}

Deno.test("kthSmallest equals the sorted array's entry, duplicates and all", () => {
  const rng = new Rng(7);
  for (const [n, distinct] of [[1, 1], [2, 2], [50, 3], [1000, 1000], [4097, 17]]) {
    const values = Float32Array.from({ length: n }, () => rng.int(distinct) - distinct / 2);
    const sorted = values.slice().sort();
    for (const k of [0, n >> 1, n - 1, rng.int(n)]) {
      assert.equal(kthSmallest(values.slice(), k), sorted[k], `n ${n} k ${k}`);
    }
  }
  assert.throws(() => kthSmallest(Float32Array.of(1, 2), 2), RangeError);
});

Deno.test("pruneLowest prunes exactly the first k of the sorted order, ties by index", () => {
  const rng = new Rng(3);
  for (const [n, distinct] of [[10, 2], [300, 300], [2000, 5]]) {
    const scores = Float32Array.from({ length: n }, () => rng.int(distinct));
    scores[rng.int(n)] = NaN;
    const eligible = Uint8Array.from({ length: n }, () => (rng.next() < 0.7 ? 1 : 0));
    const count = eligible.reduce((a, b) => a + b, 0);
    for (const k of [0, 1, count >> 1, count]) {
      assert.deepEqual(pruneLowest(scores, k, eligible), pruneLowestBySort(scores, k, eligible));
      if (k <= n >> 1) assert.deepEqual(pruneLowest(scores, k), pruneLowestBySort(scores, k));
    }
  }
  assert.throws(
    () => pruneLowest(Float32Array.of(1, 2), 2, Uint8Array.of(1, 0)),
    /cannot prune 2 of 1/,
  );
});
