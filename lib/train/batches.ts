/**
 * Training batches with dynamic padding: each epoch the rows are shuffled with a generator seeded
 * by `(seed, epoch)`, cut into buckets of `bucketBatches` batches, sorted by length inside each
 * bucket (so a batch pads to lengths close to its own) and the batches shuffled again. The same
 * seed and epoch always give the same batches, which is what makes a resumed run identical.
 *
 * @module
 */
import { type Batch, makeBatches } from "../data/batch.ts";
import type { EncodedPair } from "../data/tokenizer.ts";
import { Rng } from "../random/mod.ts";

/** Labelled, encoded training rows (`prepareMrpc(...).encoded` and the rows' labels). */
export interface TrainExamples {
  encoded: readonly EncodedPair[];
  labels: readonly number[];
}

/** Options of {@link epochBatches}. */
export interface EpochBatchesOptions {
  /** Rows per batch (the epoch's last batch may be smaller). */
  batchSize: number;
  /** Run seed. */
  seed: number;
  /** Epoch number (0-based). */
  epoch: number;
  /**
   * Batches per length bucket (default 50); 1 gives plain shuffled batches, `Infinity` sorts the
   * whole epoch by length (least padding, least randomness).
   */
  bucketBatches?: number;
  /** Padding id (default 0). */
  padTokenId?: number;
}

const SHUFFLE_STREAM = 0x73687566;

/**
 * The batches of one epoch; `batch.indices` are positions in `examples`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { epochBatches } from "./batches.ts";
 * const encoded = Array.from({ length: 10 }, (_, i) => ({
 *   inputIds: Array(2 + i).fill(5), attentionMask: Array(2 + i).fill(1),
 * }));
 * const examples = { encoded, labels: encoded.map((_, i) => i % 2) };
 * const a = epochBatches(examples, { batchSize: 4, seed: 1, epoch: 0 });
 * assert.deepEqual(a, epochBatches(examples, { batchSize: 4, seed: 1, epoch: 0 }));
 * assert.notDeepEqual(a.map((b) => b.indices), epochBatches(examples, { batchSize: 4, seed: 1, epoch: 1 }).map((b) => b.indices));
 * assert.deepEqual(a.flatMap((b) => b.indices).sort((x, y) => x - y), [...Array(10).keys()]);
 * ```
 */
export function epochBatches(examples: TrainExamples, options: EpochBatchesOptions): Batch[] {
  const { batchSize, seed, epoch, padTokenId = 0 } = options;
  const bucketBatches = options.bucketBatches ?? 50;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`batchSize ${batchSize} must be a positive integer.`);
  }
  if (!(bucketBatches >= 1)) {
    throw new RangeError(`bucketBatches ${bucketBatches} must be ≥ 1 (or Infinity).`);
  }
  if (examples.encoded.length !== examples.labels.length) {
    throw new RangeError(
      `${examples.encoded.length} encoded rows but ${examples.labels.length} labels.`,
    );
  }
  const rng = new Rng(seed, SHUFFLE_STREAM, epoch);
  const order = rng.shuffleInPlace([...examples.encoded.keys()]);
  const bucketRows = Math.min(order.length, batchSize * bucketBatches);
  const batches: Batch[] = [];
  for (let start = 0; start < order.length; start += bucketRows) {
    const rows = order.slice(start, start + bucketRows);
    const sorted = makeBatches(
      rows.map((i) => examples.encoded[i]),
      rows.map((i) => examples.labels[i]),
      { batchSize, sortByLength: bucketBatches > 1, padTokenId },
    );
    for (const batch of sorted) {
      batches.push({
        ...batch,
        indices: batch.indices.map((i) => rows[i]),
      });
    }
  }
  return bucketBatches > 1 ? rng.shuffleInPlace(batches) : batches;
}
