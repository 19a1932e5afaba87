import { BatchError } from "./errors.ts";
import type { EncodedPair } from "./tokenizer.ts";

/** A padded batch of encoded pairs, ready to feed a model as int64 tensors `[size, seqLen]`. */
export interface Batch {
  /** Positions of the rows in the input array, so predictions map back to rows. */
  indices: number[];
  /** Rows in this batch. */
  size: number;
  /** Padded length: the longest row in this batch. */
  seqLen: number;
  /** `[size * seqLen]`, row-major, padded with `padTokenId`. */
  inputIds: BigInt64Array;
  /** 1 for tokens, 0 for padding. */
  attentionMask: BigInt64Array;
  labels: number[];
}

/** Options for {@link makeBatches}. */
export interface MakeBatchesOptions {
  /** Rows per batch (the last batch may be smaller); 8 by default. */
  batchSize?: number;
  /**
   * Group rows of similar length (longest first, ties in input order) so batches carry less
   * padding; `false` (default) keeps the input order.
   */
  sortByLength?: boolean;
  /** Id written into padding positions; 0 (BERT's `[PAD]`) by default. */
  padTokenId?: number;
}

/**
 * Groups encoded pairs into padded batches. Each batch is padded to its own longest row.
 * Throws {@link BatchError} when `labels` and `encoded` differ in length, a row is empty or its
 * mask length differs from its ids, or `batchSize` is not a positive integer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { makeBatches } from "./batch.ts";
 * const encoded = [
 *   { inputIds: [101, 7, 102], attentionMask: [1, 1, 1] },
 *   { inputIds: [101, 102], attentionMask: [1, 1] },
 *   { inputIds: [101, 5, 6, 102], attentionMask: [1, 1, 1, 1] },
 * ];
 * const batches = makeBatches(encoded, [1, 0, 1], { batchSize: 2 });
 * assert.equal(batches.length, 2);
 * assert.equal(batches[0].seqLen, 3);
 * assert.deepEqual([...batches[0].inputIds], [101n, 7n, 102n, 101n, 102n, 0n]);
 * assert.deepEqual([...batches[0].attentionMask], [1n, 1n, 1n, 1n, 1n, 0n]);
 * assert.deepEqual(batches[1].indices, [2]);
 * const sorted = makeBatches(encoded, [1, 0, 1], { batchSize: 2, sortByLength: true });
 * assert.deepEqual(sorted.map((b) => b.indices), [[2, 0], [1]]);
 * ```
 */
export function makeBatches(
  encoded: readonly EncodedPair[],
  labels: readonly number[],
  options: MakeBatchesOptions = {},
): Batch[] {
  const { batchSize = 8, sortByLength = false, padTokenId = 0 } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new BatchError(`batchSize ${batchSize} must be a positive integer, e.g. 8`);
  }
  if (!Number.isInteger(padTokenId)) {
    throw new BatchError(`padTokenId ${padTokenId} must be an integer token id, e.g. 0`);
  }
  if (labels.length !== encoded.length) {
    throw new BatchError(
      `${encoded.length} encoded rows but ${labels.length} labels; pass one label per row ` +
        `(-1 for unlabelled rows)`,
    );
  }
  encoded.forEach(checkRow);
  const order = encoded.map((_, i) => i);
  if (sortByLength) {
    order.sort((a, b) => encoded[b].inputIds.length - encoded[a].inputIds.length || a - b);
  }
  const batches: Batch[] = [];
  for (let start = 0; start < order.length; start += batchSize) {
    const indices = order.slice(start, start + batchSize);
    batches.push(padBatch(indices, encoded, labels, BigInt(padTokenId)));
  }
  return batches;
}

function checkRow(row: EncodedPair, i: number): void {
  if (row.inputIds.length === 0) {
    throw new BatchError(`encoded row ${i} is empty; every row needs at least one token`);
  }
  if (row.attentionMask.length !== row.inputIds.length) {
    throw new BatchError(
      `encoded row ${i} has ${row.inputIds.length} ids but ${row.attentionMask.length} mask ` +
        `values; they must be the same length`,
    );
  }
}

function padBatch(
  indices: number[],
  encoded: readonly EncodedPair[],
  labels: readonly number[],
  pad: bigint,
): Batch {
  const size = indices.length;
  const seqLen = Math.max(...indices.map((i) => encoded[i].inputIds.length));
  const inputIds = new BigInt64Array(size * seqLen).fill(pad);
  const attentionMask = new BigInt64Array(size * seqLen);
  indices.forEach((index, row) => {
    const { inputIds: ids, attentionMask: mask } = encoded[index];
    const offset = row * seqLen;
    for (let j = 0; j < ids.length; j++) {
      inputIds[offset + j] = BigInt(ids[j]);
      attentionMask[offset + j] = BigInt(mask[j]);
    }
  });
  return { indices, size, seqLen, inputIds, attentionMask, labels: indices.map((i) => labels[i]) };
}
