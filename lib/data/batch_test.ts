import assert from "node:assert/strict";
import { makeBatches } from "./batch.ts";
import { BatchError } from "./errors.ts";
import type { EncodedPair } from "./tokenizer.ts";

/** Row i has length lengths[i] and ids 1000*i + j, so every value says where it came from. */
function rows(lengths: number[]): EncodedPair[] {
  return lengths.map((length, i) => ({
    inputIds: Array.from({ length }, (_, j) => 1000 * i + j + 1),
    attentionMask: new Array(length).fill(1),
  }));
}

Deno.test("batches keep order, pad each batch to its longest row and carry labels", () => {
  const encoded = rows([3, 5, 2, 4, 1]);
  const batches = makeBatches(encoded, [1, 0, 1, 0, -1], { batchSize: 2 });
  assert.deepEqual(batches.map((b) => [b.size, b.seqLen]), [[2, 5], [2, 4], [1, 1]]);
  assert.deepEqual(batches.map((b) => b.indices), [[0, 1], [2, 3], [4]]);
  assert.deepEqual(batches.map((b) => b.labels), [[1, 0], [1, 0], [-1]]);
  const [first] = batches;
  assert.equal(first.inputIds.length, 2 * 5);
  assert.deepEqual([...first.inputIds], [1n, 2n, 3n, 0n, 0n, 1001n, 1002n, 1003n, 1004n, 1005n]);
  assert.deepEqual([...first.attentionMask], [1n, 1n, 1n, 0n, 0n, 1n, 1n, 1n, 1n, 1n]);
  assert.deepEqual([...batches[2].inputIds], [4001n]);
});

Deno.test("sortByLength groups rows longest first, ties in input order, and covers every row", () => {
  const lengths = [3, 5, 2, 5, 1, 4, 3];
  const batches = makeBatches(rows(lengths), [0, 1, 0, 1, 0, 1, 0], {
    batchSize: 3,
    sortByLength: true,
  });
  assert.deepEqual(batches.map((b) => b.indices), [[1, 3, 5], [0, 6, 2], [4]]);
  assert.deepEqual(batches.map((b) => b.seqLen), [5, 3, 1]);
  assert.deepEqual(batches.map((b) => b.labels), [[1, 1, 1], [0, 0, 0], [0]]);
  const padding = (b: { attentionMask: BigInt64Array }) =>
    b.attentionMask.filter((v) => v === 0n).length;
  assert.deepEqual(batches.map(padding), [1, 1, 0]);
  const unsorted = makeBatches(rows(lengths), new Array(7).fill(0), { batchSize: 3 });
  assert.deepEqual(unsorted.map(padding), [5, 5, 0]);
});

Deno.test("padTokenId and partial attention masks are written as given", () => {
  const encoded = [
    { inputIds: [5, 6, 7], attentionMask: [1, 1, 0] },
    { inputIds: [8], attentionMask: [1] },
  ];
  const [batch] = makeBatches(encoded, [1, 1], { padTokenId: 3 });
  assert.deepEqual([...batch.inputIds], [5n, 6n, 7n, 8n, 3n, 3n]);
  assert.deepEqual([...batch.attentionMask], [1n, 1n, 0n, 1n, 0n, 0n]);
  assert.equal(batch.size, 2);
});

Deno.test("default batch size is 8, and no rows give no batches", () => {
  const batches = makeBatches(rows(new Array(20).fill(2)), new Array(20).fill(1));
  assert.deepEqual(batches.map((b) => b.size), [8, 8, 4]);
  assert.deepEqual(makeBatches([], []), []);
});

Deno.test("mismatched labels, bad rows and bad sizes throw BatchError", () => {
  assert.throws(() => makeBatches(rows([2, 2]), [1]), /2 encoded rows but 1 labels/);
  assert.throws(() => makeBatches(rows([2]), [1], { batchSize: 0 }), BatchError);
  assert.throws(() => makeBatches(rows([2]), [1], { batchSize: 1.5 }), BatchError);
  assert.throws(
    () => makeBatches([{ inputIds: [], attentionMask: [] }], [1]),
    /encoded row 0 is empty/,
  );
  assert.throws(
    () => makeBatches([{ inputIds: [1, 2], attentionMask: [1] }], [1]),
    /encoded row 0 has 2 ids but 1 mask values/,
  );
});
