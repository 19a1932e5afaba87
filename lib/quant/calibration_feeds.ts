/**
 * Calibration inputs and the ONNX Runtime feeds made from them — one place for calibration,
 * sensitivity probes and anything else that runs a model on calibration data.
 *
 * @module
 */

import * as ort from "onnxruntime-node";
import { batchFeeds, type TokenBatch } from "../runtime/mod.ts";

/** One calibration input: a padded token batch (`lib/data`'s `Batch`) or ready ORT feeds. */
export type CalibrationInput = TokenBatch | Record<string, ort.Tensor>;

/** Calibration could not run; the message names the tensor or input and the fix. */
export class CalibrationError extends Error {
  override name = "CalibrationError";
}

/** Options of {@link calibrationFeeds}. */
export interface CalibrationFeedOptions {
  /** Cut the input to at most this many rows (default: all). */
  limit?: number;
}

/**
 * ORT feeds, by model input name, for one calibration input: a token batch becomes
 * `input_ids`/`attention_mask` tensors; ready feeds are checked to cover every input. Throws
 * {@link CalibrationError} naming a missing input.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { calibrationFeeds } from "./calibration_feeds.ts";
 * const batch = {
 *   size: 2, seqLen: 3,
 *   inputIds: new BigInt64Array([101n, 7n, 102n, 101n, 8n, 102n]),
 *   attentionMask: new BigInt64Array(6).fill(1n),
 * };
 * const feeds = calibrationFeeds(batch, ["input_ids", "attention_mask"], { limit: 1 });
 * assert.deepEqual(feeds.input_ids.dims, [1, 3]);
 * assert.throws(() => calibrationFeeds({}, ["input_ids"]), /no "input_ids"/);
 * ```
 */
export function calibrationFeeds(
  input: CalibrationInput,
  inputNames: readonly string[],
  options: CalibrationFeedOptions = {},
): Record<string, ort.Tensor> {
  const limit = options.limit ?? Infinity;
  if (isTokenBatch(input)) {
    const size = Math.min(input.size, limit);
    const n = size * input.seqLen;
    const batch = size === input.size ? input : {
      size,
      seqLen: input.seqLen,
      inputIds: input.inputIds.subarray(0, n),
      attentionMask: input.attentionMask.subarray(0, n),
    };
    return batchFeeds({ batch, inputNames });
  }
  const feeds: Record<string, ort.Tensor> = {};
  for (const name of inputNames) {
    const tensor = input[name];
    if (!tensor) {
      throw new CalibrationError(
        `calibration feeds have no "${name}" (they have ${Object.keys(input).join(", ")}); ` +
          `give every model input: ${inputNames.join(", ")}.`,
      );
    }
    feeds[name] = cutRows(tensor, limit);
  }
  return feeds;
}

function isTokenBatch(input: CalibrationInput): input is TokenBatch {
  const b = input as TokenBatch;
  return b.inputIds instanceof BigInt64Array && b.attentionMask instanceof BigInt64Array &&
    typeof b.size === "number" && typeof b.seqLen === "number";
}

function cutRows(tensor: ort.Tensor, limit: number): ort.Tensor {
  const rows = Number(tensor.dims[0] ?? 1);
  if (tensor.dims.length === 0 || rows <= limit) return tensor;
  const perRow = tensor.size / rows;
  const data = (tensor.data as Float32Array).subarray(0, limit * perRow);
  return new ort.Tensor(tensor.type as "float32", data, [limit, ...tensor.dims.slice(1)]);
}
