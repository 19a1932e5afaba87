/**
 * The latency of one trial's model: the median of a few runs at batch 8 × sequence 128 (by
 * default) on random token ids, as the workshop's benchmarks measure, but short, since it runs
 * once per trial. Noisy on a shared machine: it is shown, never used to choose a trial.
 *
 * @module
 */

import type * as ort from "onnxruntime-node";
import { measureLatency } from "../bench/mod.ts";
import type { Model } from "../onnx/mod.ts";
import {
  batchFeeds,
  createSession,
  type SessionOptions,
  syntheticBatch,
  type TokenBatch,
} from "../runtime/mod.ts";
import { TuneOptionsError } from "./errors.ts";

/** How each trial's latency is measured. */
export interface TrialLatencyOptions {
  /** Rows per run (default 8). */
  batch?: number;
  /** Tokens per row (default 128). */
  seq?: number;
  /** Untimed runs (default 1). */
  warmup?: number;
  /** Timed runs; the median is kept (default 5). */
  iterations?: number;
  /** Vocabulary size for the random ids (default: rows of the word-embedding table). */
  vocabSize?: number;
  /** Feeds to time instead of random tokens (models whose inputs are not token ids). */
  feeds?: Record<string, ort.Tensor>;
}

/** A latency probe, resolved once for the FP32 model and used for every trial. */
export interface LatencyProbe {
  /** Median milliseconds of one run of the model in `bytes`. */
  measure(bytes: Uint8Array): Promise<number>;
  /** What is timed, e.g. `"batch 8 × seq 128"`. */
  label: string;
}

/**
 * A probe for `model`'s inputs, or throws a {@link TuneOptionsError} when random token ids
 * cannot be made (no `input_ids` Gather table and no `vocabSize` or `feeds` given).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildDistilBert, DISTILBERT_BASE } from "../model/mod.ts";
 * import { encodeModel } from "../onnx/mod.ts";
 * import { latencyProbe } from "./latency.ts";
 * const config = { ...DISTILBERT_BASE, vocabSize: 1100, dim: 16, nLayers: 1, nHeads: 2, hiddenDim: 32, maxPositionEmbeddings: 32 };
 * const model = buildDistilBert(config, { seed: 0 });
 * const probe = latencyProbe(model, { batch: 2, seq: 16, iterations: 2 });
 * assert.equal(probe.label, "batch 2 × seq 16");
 * assert.ok(await probe.measure(encodeModel(model)) > 0);
 * ```
 */
export function latencyProbe(
  model: Model,
  options: TrialLatencyOptions = {},
  session: SessionOptions = {},
): LatencyProbe {
  const batch = options.batch ?? 8;
  const seq = options.seq ?? 128;
  const measure = { warmup: options.warmup ?? 1, iterations: options.iterations ?? 5 };
  let feeds = options.feeds;
  if (!feeds) {
    const vocabSize = options.vocabSize ?? wordEmbeddingRows(model);
    if (vocabSize === undefined) {
      throw new TuneOptionsError(
        `model "${model.graph.name}" has no input_ids embedding table to size random token ids: ` +
          "pass latency: { vocabSize } or latency: { feeds }, or latency: false to skip timing.",
      );
    }
    const tokens = vocabSize > 1001
      ? syntheticBatch({ size: batch, seqLen: seq, vocabSize, seed: batch })
      : smallVocabBatch(batch, seq, vocabSize);
    const names = model.graph.inputs.map((i) => i.name);
    feeds = batchFeeds({ batch: tokens, inputNames: names });
  }
  const fixed = feeds;
  return {
    label: options.feeds ? "given feeds" : `batch ${batch} × seq ${seq}`,
    async measure(bytes) {
      const s = await createSession(bytes, session);
      try {
        const stats = await measureLatency(() => s.session.run(fixed), measure);
        return stats.medianMs;
      } finally {
        await s.session.release();
      }
    },
  };
}

/** Rows of the table a `Gather` reads with the graph input `input_ids`. */
function wordEmbeddingRows(model: Model): number | undefined {
  const initializers = new Map(model.graph.initializers.map((t) => [t.name, t]));
  for (const node of model.graph.nodes) {
    if (node.opType !== "Gather" || node.inputs[1] !== "input_ids") continue;
    const table = initializers.get(node.inputs[0]);
    if (table && table.dims.length === 2) return table.dims[0];
  }
  return undefined;
}

/** Token ids cycling through a vocabulary too small for `syntheticBatch` (ids from 1000). */
function smallVocabBatch(size: number, seqLen: number, vocabSize: number): TokenBatch {
  const inputIds = BigInt64Array.from(
    { length: size * seqLen },
    (_, i) => BigInt((i * 7) % vocabSize),
  );
  return { size, seqLen, inputIds, attentionMask: new BigInt64Array(size * seqLen).fill(1n) };
}
