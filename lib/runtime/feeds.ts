import * as ort from "onnxruntime-node";
import { xorshift32 } from "../random/mod.ts";

/** Token ids and attention mask of a padded batch, as `lib/data` makes them. */
export interface TokenBatch {
  size: number;
  seqLen: number;
  inputIds: BigInt64Array;
  attentionMask: BigInt64Array;
}

/**
 * ORT feeds for a sequence-classification model from a token batch. Only the inputs the model
 * declares are fed; `token_type_ids` (BERT) is zeros, DistilBERT has none.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { batchFeeds } from "./feeds.ts";
 * const feeds = batchFeeds({
 *   batch: { size: 1, seqLen: 2, inputIds: new BigInt64Array([101n, 102n]), attentionMask: new BigInt64Array([1n, 1n]) },
 *   inputNames: ["input_ids", "attention_mask"],
 * });
 * assert.deepEqual(feeds.input_ids.dims, [1, 2]);
 * ```
 */
export function batchFeeds(
  options: { batch: TokenBatch; inputNames: readonly string[] },
): Record<string, ort.Tensor> {
  const { batch, inputNames } = options;
  const dims = [batch.size, batch.seqLen];
  const feeds: Record<string, ort.Tensor> = {};
  for (const name of inputNames) {
    if (name === "input_ids") feeds[name] = new ort.Tensor("int64", batch.inputIds, dims);
    else if (name === "attention_mask") {
      feeds[name] = new ort.Tensor("int64", batch.attentionMask, dims);
    } else if (name === "token_type_ids") {
      feeds[name] = new ort.Tensor("int64", new BigInt64Array(batch.size * batch.seqLen), dims);
    } else {
      throw new Error(
        `model input "${name}" is not one the kit knows how to feed (input_ids, attention_mask, token_type_ids).`,
      );
    }
  }
  return feeds;
}

/** First id after BERT's special tokens ([PAD] 0, [UNK] 100, [CLS] 101, [SEP] 102, [MASK] 103). */
const SPECIAL_IDS_END = 104;

/**
 * A deterministic batch of random token ids for speed measurements: `[CLS] … [SEP]` with every
 * position attended, so each row is exactly `seqLen` long.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { syntheticBatch } from "./feeds.ts";
 * const b = syntheticBatch({ size: 8, seqLen: 128, vocabSize: 30522, seed: 1 });
 * assert.equal(b.inputIds.length, 8 * 128);
 * assert.equal(b.inputIds[0], 101n);
 * // A truncated vocabulary (a tiny test model) still gets ids inside it.
 * const tiny = syntheticBatch({ size: 2, seqLen: 16, vocabSize: 600, seed: 1 });
 * assert.ok(tiny.inputIds.every((id) => id >= 0n && id < 600n));
 * ```
 */
export function syntheticBatch(
  options: { size: number; seqLen: number; vocabSize: number; seed?: number },
): TokenBatch {
  const { size, seqLen, vocabSize } = options;
  if (vocabSize <= SPECIAL_IDS_END) {
    throw new RangeError(
      `syntheticBatch: vocabSize ${vocabSize} leaves no ordinary token ids: a BERT vocabulary ` +
        `keeps ids below ${SPECIAL_IDS_END} for [PAD], [UNK], [CLS], [SEP] and [MASK]`,
    );
  }
  // Ordinary word pieces: from 1000 (bert-base-uncased's unused and single-character ids lie
  // below), or right after [MASK] in a vocabulary truncated to 1000 ids or fewer.
  const low = vocabSize > 1000 ? 1000 : SPECIAL_IDS_END;
  const next = xorshift32((options.seed ?? 0) >>> 0 || 0x9e3779b9);
  const inputIds = new BigInt64Array(size * seqLen);
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < seqLen; c++) {
      const id = c === 0
        ? 101
        : c === seqLen - 1
        ? 102
        : low + Math.floor(next() * (vocabSize - low));
      inputIds[r * seqLen + c] = BigInt(id);
    }
  }
  return { size, seqLen, inputIds, attentionMask: new BigInt64Array(size * seqLen).fill(1n) };
}
