/**
 * The figures every run reports, whatever its technique: the result scored against the FP32
 * model on the same evaluation batches — accuracy, F1, agreement, largest and mean logit error,
 * size, latency when asked — and the SHA-256 of its predictions, which `deno task reproduce`
 * compares exactly.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { agreementWith, evaluateClassifier, type EvaluationResult } from "../../eval/mod.ts";
import { encodeModel, type Model } from "../../onnx/mod.ts";
import type { Batch } from "../../data/mod.ts";
import { createSession, type SessionOptions } from "../../runtime/mod.ts";
import { latencyProbe } from "../../tune/mod.ts";

/**
 * SHA-256 of predicted labels, one byte each.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { predictionsHash } from "./run_figures.ts";
 * assert.equal(predictionsHash([1, 0]), predictionsHash(Int32Array.of(1, 0)));
 * assert.notEqual(predictionsHash([1, 0]), predictionsHash([0, 1]));
 * ```
 */
export function predictionsHash(predictions: ArrayLike<number>): string {
  return createHash("sha256").update(Uint8Array.from(predictions)).digest("hex");
}

/** Options of {@link scoreAgainstFp32}. */
export interface ScoreAgainstFp32Options {
  /** The FP32 reference. */
  fp32: Model;
  /** The model a technique produced. */
  model: Model;
  /** Labelled evaluation batches. */
  batches: readonly Batch[];
  session?: SessionOptions;
  /** Also time both (median ms at batch 8 × 128, the tuner's probe). */
  latency?: boolean;
}

/** One model's figures. */
export interface ScoredFigures {
  accuracy: number;
  f1: number;
  sizeBytes: number;
  latencyMs?: number;
}

/** What {@link scoreAgainstFp32} measured. */
export interface ScoredRun {
  baseline: ScoredFigures;
  result: ScoredFigures & {
    agreement: number;
    maxAbsLogitError: number;
    meanAbsLogitError: number;
  };
  predictionsSha256: string;
  /** The result model's bytes (what the run writes). */
  bytes: Uint8Array;
}

async function evaluate(
  bytes: Uint8Array,
  batches: readonly Batch[],
  session?: SessionOptions,
): Promise<EvaluationResult> {
  const s = await createSession(bytes, session ?? {});
  try {
    return await evaluateClassifier(s, batches, { progress: false });
  } finally {
    await s.session.release();
  }
}

/**
 * Evaluates the FP32 model and a technique's result on `batches` in ONNX Runtime and compares
 * them.
 *
 * @example
 * ```ts ignore
 * const scored = await scoreAgainstFp32({ fp32, model: fused, batches: validation.batches });
 * console.log(scored.result.agreement, scored.result.maxAbsLogitError);
 * ```
 */
export async function scoreAgainstFp32(options: ScoreAgainstFp32Options): Promise<ScoredRun> {
  const fp32Bytes = encodeModel(options.fp32);
  const bytes = encodeModel(options.model);
  const reference = await evaluate(fp32Bytes, options.batches, options.session);
  const result = await evaluate(bytes, options.batches, options.session);
  const probe = options.latency ? latencyProbe(options.fp32, {}, options.session) : undefined;
  const agreement = agreementWith({
    logits: result.logits,
    reference: reference.logits,
    numLabels: result.numLabels,
  });
  return {
    baseline: {
      accuracy: reference.metrics.accuracy,
      f1: reference.metrics.f1,
      sizeBytes: fp32Bytes.byteLength,
      ...(probe ? { latencyMs: await probe.measure(fp32Bytes) } : {}),
    },
    result: {
      accuracy: result.metrics.accuracy,
      f1: result.metrics.f1,
      agreement: agreement.agreement,
      maxAbsLogitError: agreement.maxAbsLogitError,
      meanAbsLogitError: agreement.meanAbsLogitError,
      sizeBytes: bytes.byteLength,
      ...(probe ? { latencyMs: await probe.measure(bytes) } : {}),
    },
    predictionsSha256: predictionsHash(result.predictions),
    bytes,
  };
}
