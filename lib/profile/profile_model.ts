/**
 * Profiling one model with ONNX Runtime's own profiler on a synthetic batch.
 *
 * @module
 */

import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeModel, type Model } from "../onnx/mod.ts";
import { batchFeeds, createSession, syntheticBatch } from "../runtime/mod.ts";
import {
  type OpProfile,
  parseProfileTrace,
  ProfileTraceError,
  type TraceEvent,
} from "./op_profile.ts";

/** Options of {@link profileModel}. */
export interface ProfileModelOptions {
  /** Vocabulary size for the random token ids. */
  vocabSize: number;
  /** Rows per batch (default 8). */
  batch?: number;
  /** Tokens per row (default 128). */
  seq?: number;
  /** Intra-op threads (default: createSession's, all cores). */
  threads?: number;
  /** Untimed runs first (default 2). */
  warmup?: number;
  /** Profiled runs averaged (default 5). */
  runs?: number;
  /** The model computes its linear layers in FP16 (names the category). */
  fp16?: boolean;
}

/**
 * Runs `model` `warmup + runs` times with ORT's profiler on and returns the time per kernel of
 * the last `runs` runs. The trace goes to a temporary folder, removed afterwards.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildDistilBert, DISTILBERT_BASE } from "../model/mod.ts";
 * import { profileModel } from "./profile_model.ts";
 * const config = { ...DISTILBERT_BASE, vocabSize: 1100, dim: 16, nLayers: 1, nHeads: 2, hiddenDim: 32, maxPositionEmbeddings: 32 };
 * const p = await profileModel(buildDistilBert(config, { seed: 0 }), { vocabSize: 1100, batch: 2, seq: 8, runs: 2, threads: 1 });
 * assert.equal(p.runs, 2);
 * assert.ok(p.kernels.some((k) => k.kernel === "MatMul" && k.calls >= 6));
 * ```
 */
export async function profileModel(
  model: Model | Uint8Array | string,
  options: ProfileModelOptions,
): Promise<OpProfile> {
  const dir = await mkdtemp(join(tmpdir(), "workshop-profile-"));
  try {
    const bytes = typeof model === "object" && !(model instanceof Uint8Array)
      ? encodeModel(model)
      : model;
    const s = await createSession(bytes, {
      intraOpThreads: options.threads,
      profileFilePrefix: join(dir, "ort"),
    });
    const batch = syntheticBatch({
      size: options.batch ?? 8,
      seqLen: options.seq ?? 128,
      vocabSize: options.vocabSize,
      seed: 1,
    });
    const feeds = batchFeeds({ batch, inputNames: s.inputNames });
    const runs = options.runs ?? 5;
    for (let i = 0; i < (options.warmup ?? 2) + runs; i++) await s.session.run(feeds);
    s.session.endProfiling();
    await s.session.release();
    const file = (await readdir(dir)).find((f) => f.endsWith(".json"));
    if (!file) {
      throw new ProfileTraceError(
        `ONNX Runtime wrote no profile into ${dir}: check that this onnxruntime-node build ` +
          `supports enableProfiling.`,
      );
    }
    const events = JSON.parse(await readFile(join(dir, file), "utf8")) as TraceEvent[];
    return parseProfileTrace(events, { runs, fp16: options.fp16 });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
