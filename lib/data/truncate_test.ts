import assert from "node:assert/strict";
import { longestFirstLengths, truncatePair } from "./truncate.ts";

Deno.test("longest-first lengths match the Rust tokenizers' table (budget 7)", () => {
  // Lengths 0, 2, 4, 8 against each other, as in huggingface/tokenizers' truncation tests.
  const expected: [number, number, number, number][] = [
    [0, 0, 0, 0],
    [0, 2, 0, 2],
    [0, 4, 0, 4],
    [0, 8, 0, 7],
    [2, 0, 2, 0],
    [2, 2, 2, 2],
    [2, 4, 2, 4],
    [2, 8, 2, 5],
    [4, 0, 4, 0],
    [4, 2, 4, 2],
    [4, 4, 3, 4],
    [4, 8, 3, 4],
    [8, 0, 7, 0],
    [8, 2, 5, 2],
    [8, 4, 4, 3],
    [8, 8, 3, 4],
  ];
  for (const [n1, n2, k1, k2] of expected) {
    assert.deepEqual(longestFirstLengths(n1, n2, 7), [k1, k2], `${n1}, ${n2}`);
  }
});

Deno.test("budget 0 empties both; a fitting pair is untouched; bad input is refused", () => {
  assert.deepEqual(longestFirstLengths(4, 4, 0), [0, 0]);
  assert.deepEqual(longestFirstLengths(0, 2, 0), [0, 0]);
  assert.deepEqual(longestFirstLengths(60, 65, 125), [60, 65]);
  assert.deepEqual(longestFirstLengths(100, 40, 125), [85, 40]);
  assert.deepEqual(longestFirstLengths(100, 90, 125), [63, 62]);
  assert.throws(() => longestFirstLengths(-1, 2, 3), RangeError);
  assert.throws(() => longestFirstLengths(1, 2, 2.5), RangeError);
});

Deno.test("truncatePair keeps the heads of both lists", () => {
  const a = [1, 2, 3, 4, 5, 6];
  const b = [7, 8, 9];
  assert.deepEqual(truncatePair(a, b, 5), [[1, 2, 3], [7, 8]]);
  const [same] = truncatePair(a, b, 9);
  assert.equal(same, a);
});
