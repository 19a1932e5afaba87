import { createSession, type SessionOptions } from "../runtime/mod.ts";
import { benchModel, type MeasureOptions } from "../bench/mod.ts";
import { modelSizeOnDisk } from "../onnx/mod.ts";
import type { VariantResult } from "../report/mod.ts";
import {
  evaluateClassifier,
  type EvaluationResult,
  type LabelledBatch,
} from "./evaluate_classifier.ts";
import { agreementWith } from "./metrics.ts";
import type { ProgressOption } from "../progress/mod.ts";

/** A model variant scored on the dataset, with the evaluation behind the numbers. */
export interface EvaluatedVariant {
  result: VariantResult;
  evaluation: EvaluationResult;
}

/** Options of {@link evaluateVariant}. */
export interface EvaluateVariantOptions {
  /** `fp32`, `int8-dynamic`, … */
  name: string;
  /** The `.onnx` file. */
  path: string;
  /** Labelled validation batches. */
  batches: readonly LabelledBatch[];
  /** Vocabulary size, for the latency runs' random token ids. */
  vocabSize: number;
  /** The FP32 evaluation to compare predictions and logits with. */
  reference?: EvaluationResult;
  /**
   * This very file's evaluation on `batches`, when the caller already ran it (a DistilBERT-base
   * pass over MRPC's 408 pairs takes ~20 s on 2 cores): only latency and size are measured.
   */
  evaluation?: EvaluationResult;
  session?: SessionOptions;
  /** How long to time batch 1 and batch 8 at sequence 128. */
  latency?: MeasureOptions;
  progress?: ProgressOption;
  details?: Record<string, unknown>;
}

/**
 * Scores one model variant the way the workshop compares them: accuracy and F1 on the batches,
 * agreement and logit error against the FP32 reference, median latency at batch 1 and 8 ×
 * sequence 128, and size on disk.
 *
 * @example
 * ```ts ignore
 * const fp32 = await evaluateVariant({ name: "fp32", path, batches, vocabSize: 30522 });
 * console.log(fp32.result.accuracy, fp32.result.latencyMs.b8);
 * ```
 */
export async function evaluateVariant(options: EvaluateVariantOptions): Promise<EvaluatedVariant> {
  const evaluation = options.evaluation ?? await evaluateFile(options);
  const rows = await benchModel({
    model: options.path,
    variant: options.name,
    path: options.path,
    vocabSize: options.vocabSize,
    session: options.session,
    measure: options.latency,
  });
  const agreement = options.reference
    ? agreementWith({
      logits: evaluation.logits,
      reference: options.reference.logits,
      numLabels: evaluation.numLabels,
    })
    : { agreement: 1, maxAbsLogitError: 0 };
  return {
    evaluation,
    result: {
      name: options.name,
      accuracy: evaluation.metrics.accuracy,
      f1: evaluation.metrics.f1,
      agreement: agreement.agreement,
      maxAbsLogitError: agreement.maxAbsLogitError,
      confusion: evaluation.metrics.confusion,
      latencyMs: {
        b1: rows.find((r) => r.batch === 1)!.medianMs,
        b8: rows.find((r) => r.batch === 8)!.medianMs,
      },
      sizeBytes: await modelSizeOnDisk(options.path),
      path: options.path,
      ...(options.details ? { details: options.details } : {}),
    },
  };
}

async function evaluateFile(options: EvaluateVariantOptions): Promise<EvaluationResult> {
  const model = await createSession(options.path, options.session);
  try {
    return await evaluateClassifier(model, options.batches, {
      progress: options.progress,
      label: `evaluate ${options.name}`,
    });
  } finally {
    await model.session.release();
  }
}

/**
 * Latency measurement for the workshop profile: short in the quick profile CI uses.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { latencyProfile } from "./evaluate_variant.ts";
 * assert.equal(latencyProfile(true).iterations, 5);
 * assert.equal(latencyProfile(false).minTimeMs, 3000);
 * ```
 */
export function latencyProfile(quick: boolean): MeasureOptions {
  return quick
    ? { warmup: 1, iterations: 5, minTimeMs: 0 }
    : { warmup: 3, iterations: 20, minTimeMs: 3000 };
}
