/**
 * The built-in evaluation function of the tuner: accuracy and F1 of a sequence classifier on
 * labelled batches (MRPC validation from `prepareMrpc`), run in ONNX Runtime, plus agreement
 * with the FP32 model's predictions and the logit error.
 *
 * @module
 */

import { agreementWith, argmaxRows, evaluateClassifier, type LabelledBatch } from "../eval/mod.ts";
import { bootstrapClassification } from "../stats/mod.ts";
import type { Model } from "../onnx/mod.ts";
import type { ProgressOption } from "../progress/mod.ts";
import { createSession, type SessionOptions } from "../runtime/mod.ts";
import { modelBytes } from "./encoded.ts";
import type { TuneEvaluate, TuneMetrics } from "./types.ts";

/** Options of {@link classifierEvaluator}. */
export interface ClassifierEvaluatorOptions {
  /** Labelled batches (e.g. `(await prepareMrpc("validation", …)).batches`). */
  batches: readonly LabelledBatch[];
  /**
   * The FP32 reference for agreement: a model (evaluated on first use) or its `[rows, labels]`
   * logits. Default: the first model evaluated (`tune` evaluates the FP32 model first).
   */
  reference?: Model | ArrayLike<number>;
  /** How ONNX Runtime runs each model. */
  session?: SessionOptions;
  /** Progress of each evaluation pass (default false: the tuner shows progress per trial). */
  progress?: ProgressOption;
}

/**
 * An evaluation function for `tune`: `accuracy`, `f1`, `precision`, `recall`, `agreement` with
 * the reference's predictions, `maxAbsLogitError` / `meanAbsLogitError`, and `accuracyLower`:
 * the reference's accuracy plus the lower bound of the 95% paired bootstrap interval (seed 0,
 * 1000 resamples) of the accuracy delta, which a criterion with `use: "lowerBound"` judges.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildDistilBert, DISTILBERT_BASE } from "../model/mod.ts";
 * import { syntheticBatch } from "../runtime/mod.ts";
 * import { classifierEvaluator } from "./evaluator.ts";
 * const config = { ...DISTILBERT_BASE, vocabSize: 1100, dim: 16, nLayers: 1, nHeads: 2, hiddenDim: 32, maxPositionEmbeddings: 32 };
 * const model = buildDistilBert(config, { seed: 0 });
 * const batch = { ...syntheticBatch({ size: 4, seqLen: 8, vocabSize: 1100, seed: 1 }), indices: [0, 1, 2, 3], labels: [0, 1, 0, 1] };
 * const evaluate = classifierEvaluator({ batches: [batch] });
 * const fp32 = await evaluate(model);
 * assert.equal(fp32.agreement, 1);
 * assert.equal(fp32.accuracyLower, fp32.accuracy);
 * assert.equal(fp32.maxAbsLogitError, 0);
 * assert.ok(fp32.accuracy >= 0 && fp32.accuracy <= 1);
 * ```
 */
export function classifierEvaluator(options: ClassifierEvaluatorOptions): TuneEvaluate {
  let reference: ArrayLike<number> | undefined = options.reference && !isModel(options.reference)
    ? options.reference
    : undefined;
  const referenceModel = isModel(options.reference) ? options.reference : undefined;
  const run = async (model: Model) => {
    const session = await createSession(modelBytes(model), options.session);
    try {
      return await evaluateClassifier(session, options.batches, {
        progress: options.progress ?? false,
      });
    } finally {
      await session.session.release();
    }
  };
  return async (model: Model): Promise<TuneMetrics> => {
    const result = await run(model);
    if (!reference) {
      reference = referenceModel && referenceModel !== model
        ? (await run(referenceModel)).logits
        : result.logits;
    }
    const agreement = agreementWith({
      logits: result.logits,
      reference,
      numLabels: result.numLabels,
    });
    const { accuracy, f1, precision, recall } = result.metrics;
    const ci = bootstrapClassification({
      labels: result.labels,
      predictions: {
        reference: argmaxRows(reference, result.numLabels),
        model: result.predictions,
      },
      reference: "reference",
      resamples: 1000,
    });
    const accuracyLower = ci.reference.accuracy.estimate + ci.model.accuracyDelta!.low;
    return { accuracy, f1, precision, recall, ...agreement, accuracyLower };
  };
}

function isModel(value: unknown): value is Model {
  return typeof value === "object" && value !== null && "graph" in value &&
    "opsetImports" in value;
}
